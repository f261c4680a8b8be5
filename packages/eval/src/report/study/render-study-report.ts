/**
 * The study report: one self-contained HTML page (inline CSS and SVG, no scripts, no network),
 * in the run report's style: the efficacy table with intervals and the cohort's ceiling, the
 * per-class table, per-seed strip charts, the paired comparisons, efficiency, and the lesion
 * findings from predicted against true masks.
 * @module
 */
import { escapeHtml as esc, formatNumber as num } from '../escape.js';
import { type ReportSection, renderReportPage } from '../page.js';
import { stripChartSvg } from '../svg/strip-chart.js';
import { studyMetrics } from './aggregate-study.js';
import type {
  ArmEfficiency,
  ArmMetric,
  StudyAggregate,
  StudyFindingTest,
  StudyRunRecord,
} from './study-data.js';

/** The study report's CSS beyond the shared page's. */
const css = `
.ci{color:#555;font-size:12px}
`;

const cellOf = (m: ArmMetric | undefined, digits = 3) =>
  !m || Number.isNaN(m.mean)
    ? '–'
    : `${num(m.mean, digits)} ± ${num(m.sd, digits)} <span class="ci">[${num(m.ci.lower, digits)}, ${num(m.ci.upper, digits)}]</span>`;

const pText = (p: number) => (Number.isNaN(p) ? '–' : p < 0.001 ? '&lt; 0.001' : num(p, 3));

/** Renders the study report. `runs` are the records behind `a` (for the findings section). */
export function renderStudyReportHtml(a: StudyAggregate, runs: readonly StudyRunRecord[]): string {
  const sections: ReportSection[] = [
    ['summary', 'Summary', summary(a, runs)],
    ['efficacy', 'Efficacy', efficacy(a)],
    ['comparisons', 'Paired comparisons', comparisons(a)],
    ['efficiency', 'Efficiency', efficiency(a)],
    ['findings', 'Findings from predicted masks', findings(a, runs)],
  ];
  return renderReportPage({
    title: `${a.name}: study report`,
    heading: a.name,
    subtitleHtml: `${a.arms.length} arms · ${runs.length} runs · ${a.heldOutScans} held-out scans · made ${esc(a.createdAt)}`,
    css,
    sections,
  });
}

function summary(a: StudyAggregate, runs: readonly StudyRunRecord[]): string {
  const rows = a.arms
    .map(
      (arm) =>
        `<tr><td>${esc(arm.arm)}</td><td>${esc(arm.variant)}</td><td>${arm.seeds.join(', ')}</td><td>${runs.filter((r) => r.arm === arm.arm).reduce((s, r) => s + r.epochs, 0) / Math.max(1, arm.seeds.length)}</td></tr>`,
    )
    .join('');
  return `${a.description ? `<p>${esc(a.description)}</p>` : ''}
<table><tr><th>arm</th><th>variant</th><th>seeds</th><th>epochs</th></tr>${rows}</table>
<p>Every run trains on the same training split and is evaluated on the same ${a.heldOutScans} held-out scans, each in its own geometry. Cells: mean ± SD over seeds, then <span class="ci">[95% CI]</span>: a percentile bootstrap over scans (${a.resamples} resamples) of the seed-averaged metric. HD95 is averaged over the scans with lesions whose prediction is not empty (it is infinite otherwise). Paired comparisons: the difference of two arms on the same scans and seeds, with a paired bootstrap interval over scans and a two-sided sign-flip permutation p-value (not corrected for multiple comparisons). Training and evaluation took ${num(a.wallSeconds / 60, 1)} min in all.</p>`;
}

function efficacy(a: StudyAggregate): string {
  const metrics = studyMetrics(a.classes);
  const head = ['accuracy', 'macroAuc', 'lesionDice', 'diceAllScans', 'hd95'];
  const label = (k: string) => metrics.find(([key]) => key === k)?.[1] ?? k;
  const ceiling =
    a.ceiling !== undefined
      ? `<p>Cohort ceiling of the accuracy: <b>${num(a.ceiling)}</b> (a classifier on the true lesion findings; an image model is not expected to beat it).</p>`
      : '';
  const main = `<table><tr><th>arm</th>${head.map((k) => `<th>${esc(label(k))}</th>`).join('')}</tr>${a.arms
    .map(
      (arm) =>
        `<tr><td>${esc(arm.arm)}</td>${head.map((k) => `<td>${cellOf(arm.metrics[k], k === 'hd95' ? 2 : 3)}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const perClass = metrics.filter(([k]) => k.startsWith('sensitivity:') || k.startsWith('specificity:'));
  const cls = `<h3>Per class</h3><table><tr><th>arm</th>${perClass.map(([, l]) => `<th>${esc(l)}</th>`).join('')}</tr>${a.arms
    .map(
      (arm) =>
        `<tr><td>${esc(arm.arm)}</td>${perClass.map(([k]) => `<td>${cellOf(arm.metrics[k])}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const charts = head
    .filter((k) => a.arms.some((arm) => arm.metrics[k]?.perSeed.some(Number.isFinite)))
    .map((k) =>
      stripChartSvg({
        title: `${label(k)}, per seed`,
        yLabel: label(k),
        groups: a.arms.map((arm) => ({ name: arm.arm, values: arm.metrics[k]?.perSeed ?? [] })),
        ...(k === 'hd95' ? {} : { y: [0, 1] as const }),
        // room for every arm's name under its strip
        width: Math.max(440, 60 + 150 * a.arms.length),
      }),
    )
    .join('');
  return `${ceiling}${main}${cls}<div class="figures">${charts}</div>`;
}

function comparisons(a: StudyAggregate): string {
  if (a.comparisons.length === 0) return '<p class="muted">No two arms share a seed and a metric.</p>';
  return `<table><tr><th>arm A</th><th>arm B</th><th>metric</th><th>seeds</th><th>scans</th><th>A − B</th><th>95% CI</th><th>p</th></tr>${a.comparisons
    .map(
      (c) =>
        `<tr><td>${esc(c.armA)}</td><td>${esc(c.armB)}</td><td>${esc(c.metric)}</td><td>${c.seeds}</td><td>${c.scans}</td><td>${num(c.difference.value)}</td><td>[${num(c.difference.lower)}, ${num(c.difference.upper)}]</td><td>${pText(c.p)}</td></tr>`,
    )
    .join('')}</table>`;
}

function efficiency(a: StudyAggregate): string {
  const flops = (v: number) => (Number.isNaN(v) ? 'not measured' : `${num(v / 1e9, 2)} G`);
  const timed = (v: number, digits: number, scale = 1) =>
    Number.isNaN(v) ? 'not timed' : num(v * scale, digits);
  const row = (name: string, e: ArmEfficiency) =>
    `<tr><td>${esc(name)}</td><td>${Math.round(e.parameters).toLocaleString('en')}</td><td>${flops(e.forwardFlops)}</td><td>${timed(e.timedTrainSecondsPerEpoch, 1)}</td><td>${timed(e.timedInferSecondsPerScan, 0, 1000)}</td><td class="muted">${num(e.trainSecondsPerEpoch, 1)}</td><td class="muted">${num(e.inferSecondsPerScan * 1000, 0)}</td></tr>`;
  const sep = a.separateNetworks;
  const t = a.timing;
  const load = (v: readonly number[]) => v.map((x) => num(x, 2)).join(' / ');
  const how = t
    ? `Back to back (primary columns): after every run, each arm's first-seed final checkpoint was timed on the same ${t.steps} training scan(s) and ${t.scans} held-out scan(s), after one warm-up step and scan, the arms interleaved round-robin, ${t.repeats} repeat(s), median; ${t.threads} engine thread(s); load average (1 / 5 / 15 min) ${load(t.loadAverage.before)} before, ${load(t.loadAverage.after)} after (measured ${esc(t.measuredAt)}). Training s / epoch = s per step (sampling and augmentation included, reading excluded) x steps per epoch; inference = the sliding-window forwards on the prepared scan.`
    : 'The back-to-back timing phase has not run for this study (columns "not timed").';
  return `<table><tr><th>arm</th><th>parameters</th><th>forward FLOPs per scan</th><th>training s / epoch</th><th>inference ms / scan</th><th>in-run training s / epoch</th><th>in-run inference ms / scan</th></tr>${a.arms
    .map((arm) => row(arm.arm, arm.efficiency))
    .join('')}${sep ? row(`two separate networks (${sep.arms.join(' + ')})`, sep) : ''}</table>
<p class="muted">${how} In-run columns (secondary): wall-clock during the runs, averaged over seeds, skewed by whatever else the machine did then; in-run inference covers reading, preprocessing, the sliding windows, resampling back to the scan's grid and writing. Forward FLOPs per scan: one inference forward per sliding window, convolutions and linear layers as 2 x multiply-accumulates.</p>`;
}

/** A finding's two classes side by side: medians, or for a yes/no finding (bilateral) the shares of scans. */
function centres(t: StudyFindingTest): string {
  return t.finding === 'bilateral'
    ? `${num(t.meanA ?? Number.NaN, 2)} vs ${num(t.meanB ?? Number.NaN, 2)} (share)`
    : `${num(t.medianA)} vs ${num(t.medianB)}`;
}

function findingsTable(truth: readonly StudyFindingTest[], pred: readonly StudyFindingTest[]): string {
  return `<table><tr><th>finding</th><th>classes</th><th>true masks: medians</th><th>p</th><th>predicted masks: medians</th><th>p</th></tr>${truth
    .map((t) => {
      const p = pred.find((x) => x.finding === t.finding && x.classA === t.classA && x.classB === t.classB);
      return `<tr><td>${esc(t.label)}</td><td>${esc(t.classA)} vs ${esc(t.classB)}</td><td>${centres(t)}</td><td>${pText(t.p)}</td><td>${p ? centres(p) : '–'}</td><td>${p ? pText(p.p) : '–'}</td></tr>`;
    })
    .join('')}</table>`;
}

function findings(a: StudyAggregate, runs: readonly StudyRunRecord[]): string {
  const parts: string[] = [];
  for (const arm of a.arms) {
    const rs = runs.filter((r) => r.arm === arm.arm && r.findings).sort((x, y) => x.seed - y.seed);
    const first = rs[0];
    if (!first?.findings || first.findings.truth.length === 0) continue;
    const significant = (r: StudyRunRecord, f: string) =>
      r.findings?.prediction.filter((t) => t.finding === f && t.p < 0.05).length ?? 0;
    const names = [...new Set(first.findings.truth.map((t) => t.finding))];
    parts.push(
      `<h3>${esc(arm.arm)} (seed ${first.seed})</h3>${findingsTable(first.findings.truth, first.findings.prediction)}<p class="muted">Seeds whose predicted masks give p &lt; 0.05: ${names
        .map((f) => `${esc(f)} ${rs.filter((r) => significant(r, f) > 0).length}/${rs.length}`)
        .join(' · ')}</p>`,
    );
  }
  return parts.length
    ? `<p>Per-cohort lesion statistics (count, lesion/lung volume ratio, ground-glass and consolidation fractions, peripheral fraction, bilateral lesions) from the predicted masks against the same statistics from the true masks, COVID-19 against CAP with two-sided Mann-Whitney U tests (uncorrected).</p>${parts.join('')}`
    : '<p class="muted">No arm has a lesion output.</p>';
}
