/**
 * The study's statistics: per arm, each metric's mean and spread over seeds and a
 * percentile-bootstrap 95% interval over scans; between arms, paired comparisons on the same
 * scans and seeds (paired bootstrap interval of the difference, sign-flip permutation p-value).
 * @module
 */
import { classMetrics, confusionMatrix } from '../../classification/confusion.js';
import { argmaxPredictions } from '../../classification/input.js';
import { aucOf, descendingOrder, rocCurve } from '../../classification/roc.js';
import { bootstrapInterval, weightedMean } from '../../stats/bootstrap.js';
import { seededRandom } from '../../stats/rng.js';
import type {
  ArmAggregate,
  ArmEfficiency,
  ArmMetric,
  PairedComparison,
  StudyAggregate,
  StudyEfficiency,
  StudyRunRecord,
} from './study-data.js';

/** Two networks' costs together (each field the sum). */
const sumEfficiency = (a: ArmEfficiency, b: ArmEfficiency): ArmEfficiency => ({
  parameters: a.parameters + b.parameters,
  forwardFlops: a.forwardFlops + b.forwardFlops,
  timedTrainSecondsPerStep: a.timedTrainSecondsPerStep + b.timedTrainSecondsPerStep,
  timedTrainSecondsPerEpoch: a.timedTrainSecondsPerEpoch + b.timedTrainSecondsPerEpoch,
  timedInferSecondsPerScan: a.timedInferSecondsPerScan + b.timedInferSecondsPerScan,
  trainSecondsPerEpoch: a.trainSecondsPerEpoch + b.trainSecondsPerEpoch,
  inferSecondsPerScan: a.inferSecondsPerScan + b.inferSecondsPerScan,
});

/** A metric of one run, computed with per-scan multiplicities `w` (all 1: the run's value). */
type RunMetric = (run: PreparedRun, w: ArrayLike<number>) => number;

interface PreparedRun {
  record: StudyRunRecord;
  hasClassifier: boolean;
  hasLesion: boolean;
  labels: number[];
  predicted: number[];
  positives: boolean[][];
  scores: number[][];
  orders: Int32Array[];
}

function prepare(record: StudyRunRecord): PreparedRun {
  const hasClassifier = record.scans.length > 0 && record.scans.every((s) => s.probabilities.length > 0);
  const hasLesion = record.scans.some((s) => Number.isFinite(s.dice));
  const labels = record.scans.map((s) => s.label);
  const c = record.classes.length;
  const scores = hasClassifier
    ? Array.from({ length: c }, (_, k) => record.scans.map((s) => s.probabilities[k] as number))
    : [];
  return {
    record,
    hasClassifier,
    hasLesion,
    labels,
    predicted: hasClassifier ? argmaxPredictions(record.scans.map((s) => s.probabilities)) : [],
    positives: Array.from({ length: c }, (_, k) => labels.map((l) => l === k)),
    scores,
    orders: scores.map(descendingOrder),
  };
}

/** Per-scan values of the metrics that decompose over scans (NaN: no value for that scan). */
const perScan = {
  accuracy: (r: PreparedRun) =>
    r.hasClassifier ? r.labels.map((l, i) => (r.predicted[i] === l ? 1 : 0)) : r.labels.map(() => Number.NaN),
  lesionDice: (r: PreparedRun) => r.record.scans.map((s) => (s.hasLesion ? s.dice : Number.NaN)),
  diceAllScans: (r: PreparedRun) => r.record.scans.map((s) => s.dice),
  // over scans whose truth holds lesion and whose prediction is not empty (else it is infinite)
  hd95: (r: PreparedRun) =>
    r.record.scans.map((s) => (s.hasLesion && Number.isFinite(s.hd95) ? s.hd95 : Number.NaN)),
} as const;

/** Metrics compared between arms, pairwise on scans (they decompose over scans). */
export const pairedMetrics = Object.keys(perScan) as (keyof typeof perScan)[];

const finiteMean = (v: number[], w: ArrayLike<number>) => {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) continue;
    s += x * (w[i] as number);
    sw += w[i] as number;
  }
  return sw > 0 ? s / sw : Number.NaN;
};

/** The metrics of the aggregate table, in order, with how one run's value is computed. */
export function studyMetrics(classes: readonly string[]): [string, string, RunMetric][] {
  const cache = new WeakMap<PreparedRun, Record<string, number[]>>();
  const values = (r: PreparedRun, name: keyof typeof perScan) => {
    let c = cache.get(r);
    if (!c) {
      c = {};
      cache.set(r, c);
    }
    c[name] ??= perScan[name](r);
    return c[name];
  };
  const cls =
    (f: RunMetric): RunMetric =>
    (r, w) =>
      r.hasClassifier ? f(r, w) : Number.NaN;
  const cm = (r: PreparedRun, w: ArrayLike<number>) =>
    confusionMatrix(r.labels, r.predicted, classes.length, w);
  const out: [string, string, RunMetric][] = [
    ['accuracy', 'accuracy', cls((r, w) => finiteMean(values(r, 'accuracy'), w))],
    [
      'macroAuc',
      'macro AUC (one-vs-rest)',
      cls((r, w) => {
        let s = 0;
        for (let k = 0; k < classes.length; k++)
          s += aucOf(rocCurve(r.positives[k] as boolean[], r.scores[k] as number[], w, r.orders[k]));
        return s / classes.length;
      }),
    ],
  ];
  classes.forEach((name, k) => {
    out.push([
      `sensitivity:${name}`,
      `sensitivity ${name}`,
      cls((r, w) => classMetrics(cm(r, w), k).sensitivity),
    ]);
    out.push([
      `specificity:${name}`,
      `specificity ${name}`,
      cls((r, w) => classMetrics(cm(r, w), k).specificity),
    ]);
  });
  out.push(
    ['lesionDice', 'lesion Dice (scans with lesions)', (r, w) => finiteMean(values(r, 'lesionDice'), w)],
    ['diceAllScans', 'lesion Dice (all scans)', (r, w) => finiteMean(values(r, 'diceAllScans'), w)],
    ['hd95', 'HD95 (mm)', (r, w) => finiteMean(values(r, 'hd95'), w)],
  );
  return out;
}

const sd = (v: number[]) => {
  if (v.length < 2) return Number.NaN;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

/** Options of {@link aggregateStudy}. */
export interface AggregateStudyOptions {
  name: string;
  description?: string;
  /** Arm order of the tables (default: first appearance in `runs`). */
  arms?: readonly string[];
  ceiling?: number;
  /** Bootstrap resamples and permutations; default 1000. */
  resamples?: number;
  /** Seed of the bootstrap and the permutations; default 0. */
  seed?: number;
  /** The back-to-back timings (`efficiency.json`), for the `timed*` efficiency columns. */
  efficiency?: StudyEfficiency;
}

/**
 * Aggregates finished runs. Every run must have been evaluated on the same held-out scans, in
 * the same order, with the same classes.
 * @throws RangeError when there are no runs or the runs' scans or classes differ (naming the run).
 */
export function aggregateStudy(
  runs: readonly StudyRunRecord[],
  options: AggregateStudyOptions,
): StudyAggregate {
  const first = runs[0];
  if (!first) throw new RangeError('aggregateStudy: no finished runs');
  const ids = first.scans.map((s) => s.id).join('\n');
  for (const r of runs) {
    if (r.scans.map((s) => s.id).join('\n') !== ids)
      throw new RangeError(
        `aggregateStudy: run ${r.arm}-seed${r.seed} was evaluated on other scans than ${first.arm}-seed${first.seed}; every run must use the same held-out split`,
      );
    if (r.classes.join('\n') !== first.classes.join('\n'))
      throw new RangeError(
        `aggregateStudy: run ${r.arm}-seed${r.seed} has other classes than ${first.arm}-seed${first.seed}`,
      );
  }
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const n = first.scans.length;
  const prepared = runs.map(prepare);
  const armNames = options.arms?.filter((a) => runs.some((r) => r.arm === a)) ?? [
    ...new Set(runs.map((r) => r.arm)),
  ];
  const metrics = studyMetrics(first.classes);
  const ones = new Float64Array(n).fill(1);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const arms: ArmAggregate[] = armNames.map((arm) => {
    const rs = prepared.filter((p) => p.record.arm === arm).sort((a, b) => a.record.seed - b.record.seed);
    const m: Record<string, ArmMetric> = {};
    for (const [key, , f] of metrics) {
      const perSeed = rs.map((r) => f(r, ones));
      const ci = bootstrapInterval(n, (w) => mean(rs.map((r) => f(r, w))), { resamples, seed });
      const finite = perSeed.filter(Number.isFinite);
      m[key] = {
        mean: perSeed.every(Number.isFinite) ? mean(perSeed) : Number.NaN,
        sd: perSeed.every(Number.isFinite) ? sd(perSeed) : Number.NaN,
        min: finite.length ? Math.min(...finite) : Number.NaN,
        max: finite.length ? Math.max(...finite) : Number.NaN,
        ci,
        perSeed,
      };
    }
    const eff = (f: (r: StudyRunRecord) => number) => mean(rs.map((r) => f(r.record)));
    const timed = options.efficiency?.arms.find((t) => t.arm === arm);
    return {
      arm,
      variant: rs[0]?.record.variant ?? '',
      seeds: rs.map((r) => r.record.seed),
      metrics: m,
      efficiency: {
        parameters: eff((r) => r.parameters),
        forwardFlops: eff((r) => r.forwardFlops),
        timedTrainSecondsPerStep: timed?.trainSecondsPerStep ?? Number.NaN,
        timedTrainSecondsPerEpoch: timed?.trainSecondsPerEpoch ?? Number.NaN,
        timedInferSecondsPerScan: timed?.inferSecondsPerScan ?? Number.NaN,
        trainSecondsPerEpoch: eff((r) => r.trainSecondsPerEpoch),
        inferSecondsPerScan: eff((r) => r.inferSecondsPerScan),
      },
    };
  });
  const comparisons: PairedComparison[] = [];
  for (let a = 0; a < armNames.length; a++)
    for (let b = a + 1; b < armNames.length; b++)
      for (const metric of pairedMetrics) {
        const c = pairedComparison(
          prepared,
          armNames[a] as string,
          armNames[b] as string,
          metric,
          resamples,
          seed,
        );
        if (c) comparisons.push(c);
      }
  const seg = arms.find((a) => a.variant === 'segmentation-only');
  const cls = arms.find((a) => a.variant === 'classification-only');
  return {
    name: options.name,
    description: options.description ?? '',
    classes: first.classes,
    heldOutScans: n,
    ...(options.ceiling !== undefined ? { ceiling: options.ceiling } : {}),
    resamples,
    arms,
    comparisons,
    ...(seg && cls
      ? {
          separateNetworks: {
            arms: [seg.arm, cls.arm] as const,
            ...sumEfficiency(seg.efficiency, cls.efficiency),
          },
        }
      : {}),
    ...(options.efficiency
      ? (() => {
          const { arms: _arms, key: _key, ...timing } = options.efficiency;
          return { timing };
        })()
      : {}),
    createdAt: new Date().toISOString(),
    wallSeconds: runs.reduce((s, r) => s + r.trainSeconds + r.inferSecondsPerScan * r.scans.length, 0),
  };
}

/**
 * Arm A against arm B on a per-scan metric, over the seeds both ran: d_i = mean over seeds of
 * (A - B) on scan i; scans where either arm has no value are left out. The interval is a paired
 * percentile bootstrap over scans (every seed of a resampled scan comes along); p is a two-sided
 * sign-flip permutation test of mean d (`resamples` random flips, (1 + hits) / (1 + resamples)).
 * @returns undefined when the arms share no seed or no scan has a value in both.
 */
function pairedComparison(
  runs: readonly PreparedRun[],
  armA: string,
  armB: string,
  metric: keyof typeof perScan,
  resamples: number,
  seed: number,
): PairedComparison | undefined {
  const bySeed = (arm: string) =>
    new Map(runs.filter((r) => r.record.arm === arm).map((r) => [r.record.seed, r]));
  const A = bySeed(armA);
  const B = bySeed(armB);
  const seeds = [...A.keys()].filter((s) => B.has(s));
  if (seeds.length === 0) return undefined;
  const n = (A.get(seeds[0] as number) as PreparedRun).record.scans.length;
  const d = new Float64Array(n);
  for (const s of seeds) {
    const va = perScan[metric](A.get(s) as PreparedRun);
    const vb = perScan[metric](B.get(s) as PreparedRun);
    for (let i = 0; i < n; i++) d[i]! += ((va[i] as number) - (vb[i] as number)) / seeds.length;
  }
  const diffs = Array.from(d).filter(Number.isFinite);
  if (diffs.length === 0) return undefined;
  const difference = bootstrapInterval(diffs.length, (w) => weightedMean(diffs, w), { resamples, seed });
  const observed = Math.abs(diffs.reduce((a, b) => a + b, 0));
  const rand = seededRandom(seed + 1);
  let hits = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (const x of diffs) s += rand() < 0.5 ? -x : x;
    if (Math.abs(s) >= observed - 1e-12) hits++;
  }
  return {
    armA,
    armB,
    metric,
    seeds: seeds.length,
    scans: diffs.length,
    difference,
    p: (1 + hits) / (1 + resamples),
  };
}
