/**
 * The study's tables as CSV: every run (`runs.csv`) and the per-arm aggregate (`aggregate.csv`).
 * @module
 */
import { studyMetrics } from './aggregate-study.js';
import type { StudyAggregate, StudyRunRecord } from './study-data.js';

const cell = (v: string | number) => {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '' : String(v)) : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const line = (cells: (string | number)[]) => `${cells.map(cell).join(',')}\n`;

/**
 * `runs.csv`: one row per run: arm, seed, every metric (the per-seed values of `aggregate`),
 * efficiency and time. Empty cell: not defined for the run.
 */
export function runsCsv(runs: readonly StudyRunRecord[], aggregate: StudyAggregate): string {
  const metrics = studyMetrics(aggregate.classes);
  const value = (r: StudyRunRecord, key: string) => {
    const arm = aggregate.arms.find((a) => a.arm === r.arm);
    const i = arm?.seeds.indexOf(r.seed) ?? -1;
    return i >= 0 ? (arm?.metrics[key]?.perSeed[i] ?? Number.NaN) : Number.NaN;
  };
  let out = line([
    'arm',
    'seed',
    'variant',
    ...metrics.map(([k]) => k),
    'parameters',
    'forwardFlops',
    'trainSecondsPerEpoch',
    'inferSecondsPerScan',
    'epochs',
    'steps',
    'trainSeconds',
    'runDir',
  ]);
  for (const r of runs) {
    out += line([
      r.arm,
      r.seed,
      r.variant,
      ...metrics.map(([k]) => value(r, k)),
      r.parameters,
      r.forwardFlops,
      r.trainSecondsPerEpoch,
      r.inferSecondsPerScan,
      r.epochs,
      r.steps,
      r.trainSeconds,
      r.runDir,
    ]);
  }
  return out;
}

/** `aggregate.csv`: one row per arm and metric: mean, SD and range over seeds, 95% CI over scans. */
export function aggregateCsv(a: StudyAggregate): string {
  let out = line(['arm', 'variant', 'metric', 'seeds', 'mean', 'sd', 'min', 'max', 'ciLower', 'ciUpper']);
  for (const arm of a.arms)
    for (const [metric, m] of Object.entries(arm.metrics))
      out += line([
        arm.arm,
        arm.variant,
        metric,
        arm.seeds.length,
        m.mean,
        m.sd,
        m.min,
        m.max,
        m.ci.lower,
        m.ci.upper,
      ]);
  for (const arm of a.arms)
    for (const [metric, v] of Object.entries(arm.efficiency))
      out += line([arm.arm, arm.variant, metric, arm.seeds.length, v, '', '', '', '', '']);
  return out;
}

/** `comparisons.csv`: the paired comparisons. */
export function comparisonsCsv(a: StudyAggregate): string {
  let out = line(['armA', 'armB', 'metric', 'seeds', 'scans', 'meanDifference', 'ciLower', 'ciUpper', 'p']);
  for (const c of a.comparisons)
    out += line([
      c.armA,
      c.armB,
      c.metric,
      c.seeds,
      c.scans,
      c.difference.value,
      c.difference.lower,
      c.difference.upper,
      c.p,
    ]);
  return out;
}
