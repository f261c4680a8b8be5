/**
 * `ReportData` to one self-contained HTML page: inline CSS, inline SVG charts and base64 PNG
 * images; no scripts and no network access.
 * @module
 */
import type { ClassificationReport } from '../classification/classification-metrics.js';
import { comparedFindings } from '../findings/class-differences.js';
import { lesionCountBins } from '../findings/cohort-findings.js';
import type { SegmentationSummary } from '../segmentation/aggregate.js';
import { type SegmentationMetrics, segmentationMetricNames } from '../segmentation/segmentation-metrics.js';
import type { Interval } from '../stats/bootstrap.js';
import { escapeHtml as esc, formatNumber as num } from './escape.js';
import { type ReportSection, renderReportPage } from './page.js';
import { seriesColour } from './palette.js';
import type { FindingsSection, ReportData, ScanView } from './report-data.js';
import { barChartSvg } from './svg/bar-chart.js';
import { confusionMatrixSvg } from './svg/confusion-matrix.js';
import { lineChartSvg } from './svg/line-chart.js';
import { stripChartSvg } from './svg/strip-chart.js';
import { trainingCharts } from './training-log.js';

/** The run report's CSS beyond the shared page's: counts, legends and the scan slices. */
const css = `
svg text.count{font-size:15px;font-weight:600}svg text.small{font-size:10px}svg text.legend{font-size:11px}
.scan{display:inline-block;vertical-align:top;margin:6px 10px 10px 0;border:1px solid #e3e6ea;border-radius:4px;padding:8px}
.scan img{display:block;background:#000;image-rendering:auto}
.scan figure{display:inline-block;margin:0 6px 0 0}.scan figcaption{font-size:12px;color:#555}
.key span{display:inline-block;width:12px;height:3px;margin:0 4px 3px 10px;vertical-align:middle}
details{margin:6px 0}
`;

/**
 * Renders the report as one HTML string. Every chart is an `<svg class="figure">` and every
 * slice an `<img>` with a `data:image/png;base64` source; sections without data are left out
 * (and say so in the navigation's place).
 */
export function renderReportHtml(d: ReportData): string {
  const sections: ReportSection[] = [];
  sections.push(['summary', 'Summary', summarySection(d)]);
  if (d.training.length > 0) sections.push(['training', 'Training', trainingSection(d)]);
  if (d.classification)
    sections.push(['classification', 'Classification', classificationSection(d.classification)]);
  if (d.segmentation) sections.push(['segmentation', 'Segmentation', segmentationSection(d.segmentation)]);
  for (const f of d.findings)
    sections.push([`findings-${f.source}`, `Findings (${f.source})`, findingsSection(f)]);
  if (d.scans.length > 0) sections.push(['scans', 'Scans', scansSection(d.scans)]);
  if (d.warnings.length > 0) {
    sections.push([
      'warnings',
      'Warnings',
      `<ul>${d.warnings.map((w) => `<li class="warn">${esc(w)}</li>`).join('')}</ul>`,
    ]);
  }
  return renderReportPage({
    title: d.title,
    heading: d.title,
    subtitleHtml: `run <b>${esc(d.run.name)}</b> · ${d.run.classes.length ? `classes ${d.run.classes.map(esc).join(', ')}` : 'no classifier'} · made ${esc(d.createdAt)}`,
    css,
    sections,
    trailerHtml: `<section id="reading"><h2>How to read this report</h2>${readingNotes()}</section>`,
  });
}

function ci(iv: Interval, digits = 3): string {
  return `${num(iv.value, digits)} <span class="muted">[${num(iv.lower, digits)}, ${num(iv.upper, digits)}]</span>`;
}

function summarySection(d: ReportData): string {
  const rows: string[] = [];
  const c = d.classification;
  if (c) {
    rows.push(`<tr><td>Accuracy (${c.scans} scans)</td><td>${ci(c.accuracy)}</td></tr>`);
    rows.push(`<tr><td>Macro AUC</td><td>${ci(c.macro.auc)}</td></tr>`);
    rows.push(`<tr><td>Macro sensitivity</td><td>${ci(c.macro.sensitivity)}</td></tr>`);
    rows.push(`<tr><td>Macro specificity</td><td>${ci(c.macro.specificity)}</td></tr>`);
  }
  const s = d.segmentation?.summary;
  if (s) {
    rows.push(
      `<tr><td>Mean Dice (${s.metrics.dice.n} scans)</td><td>${ci(s.metrics.dice.meanInterval)}</td></tr>`,
    );
    rows.push(
      `<tr><td>Mean HD95 (mm, ${s.metrics.hd95.n} scans)</td><td>${ci(s.metrics.hd95.meanInterval, 2)}</td></tr>`,
    );
    rows.push(`<tr><td>Mean NSD</td><td>${ci(s.metrics.nsd.meanInterval)}</td></tr>`);
  }
  const cfg = d.run.config
    ? `<details><summary>Run configuration</summary><pre>${esc(JSON.stringify(d.run.config, null, 2))}</pre></details>`
    : '';
  const notes = d.run.notes ? `<p>${esc(d.run.notes)}</p>` : '';
  const table = rows.length
    ? `<table><tr><th>Figure</th><th>Value [95% CI]</th></tr>${rows.join('')}</table>`
    : '<p class="muted">No predictions in this run: metrics are not available.</p>';
  return `${notes}${table}${cfg}`;
}

function trainingSection(d: ReportData): string {
  const charts = trainingCharts(d.training).map((c) =>
    lineChartSvg({
      title: c.metric,
      xLabel: 'epoch',
      yLabel: c.metric,
      series: c.series.map((s, k) => ({
        name: s.split,
        points: s.points,
        colour: seriesColour(k),
        stroke: s.split === 'train' ? 'solid' : 'dashed',
      })),
      width: 380,
      height: 260,
    }),
  );
  return `<div class="figures">${charts.join('')}</div>`;
}

function classificationSection(c: ClassificationReport): string {
  const headline = `<table><tr><th>Figure</th><th>Value [95% CI]</th></tr>
<tr><td>Accuracy</td><td>${ci(c.accuracy)}</td></tr>
<tr><td>Macro sensitivity</td><td>${ci(c.macro.sensitivity)}</td></tr>
<tr><td>Macro specificity</td><td>${ci(c.macro.specificity)}</td></tr>
<tr><td>Macro F1</td><td>${ci(c.macro.f1)}</td></tr>
<tr><td>Macro AUC (one-vs-rest)</td><td>${ci(c.macro.auc)}</td></tr></table>`;
  const perClass = `<table><tr><th>Class</th><th>Scans</th><th>Sensitivity</th><th>Specificity</th><th>Precision</th><th>F1</th><th>AUC</th></tr>${c.perClass
    .map(
      (k) =>
        `<tr><td>${esc(k.name)}</td><td>${k.support}</td><td>${ci(k.sensitivity)}</td><td>${ci(k.specificity)}</td><td>${ci(k.precision)}</td><td>${ci(k.f1)}</td><td>${ci(k.auc)}</td></tr>`,
    )
    .join('')}</table>`;
  const rocs = c.perClass.map((k, n) =>
    lineChartSvg({
      title: `ROC ${k.name} vs rest (AUC ${num(k.auc.value)})`,
      xLabel: 'false-positive rate',
      yLabel: 'true-positive rate',
      series: [
        {
          name: k.name,
          points: k.roc.fpr.map((x, i) => [x, k.roc.tpr[i] as number] as [number, number]),
          colour: seriesColour(n),
        },
      ],
      x: [0, 1],
      y: [0, 1],
      reference: 'diagonal',
      width: 300,
      height: 290,
    }),
  );
  const boot = `<p class="muted">Intervals: percentile bootstrap, ${c.bootstrap.resamples} resamples of the ${c.scans} scans, seed ${c.bootstrap.seed}, ${Math.round(c.bootstrap.level * 100)}% level.</p>`;
  return `<h3>Headline figures</h3>${headline}<h3>Per class</h3>${perClass}${boot}<div class="figures">${confusionMatrixSvg(c.classes, c.confusion)}${rocs.join('')}</div>`;
}

const metricLabels: Record<(typeof segmentationMetricNames)[number], string> = {
  dice: 'Dice',
  iou: 'IoU',
  sensitivity: 'Sensitivity',
  precision: 'Precision',
  hd95: 'HD95 (mm)',
  assd: 'ASSD (mm)',
  nsd: 'Normalised surface Dice',
};

function segmentationSection(s: {
  summary: SegmentationSummary;
  perScan: readonly { id: string; metrics: SegmentationMetrics }[];
}): string {
  const sum = s.summary;
  const rows = segmentationMetricNames
    .map((m) => {
      const x = sum.metrics[m];
      return `<tr><td>${metricLabels[m]}</td><td>${ci(x.meanInterval)}</td><td>${num(x.std)}</td><td>${num(x.median)}</td><td>${x.n}</td><td>${x.undefinedCount}</td><td>${x.infiniteCount}</td></tr>`;
    })
    .join('');
  const tol = s.perScan[0]?.metrics.nsdToleranceMm;
  const cases = Object.entries(sum.cases)
    .map(([k, v]) => `${esc(k)}: ${v}`)
    .join(', ');
  const per = s.perScan
    .map(
      ({ id, metrics: m }) =>
        `<tr><td>${esc(id)}</td><td>${esc(m.case)}</td>${segmentationMetricNames.map((k) => `<td>${num(m[k])}</td>`).join('')}<td>${num(m.truthVolumeMm3 / 1000, 1)}</td><td>${num(m.predictionVolumeMm3 / 1000, 1)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>Metric</th><th>Mean [95% CI]</th><th>SD</th><th>Median</th><th>n</th><th>undefined</th><th>infinite</th></tr>${rows}</table>
<p class="muted">${sum.scans} scans (${cases}). NSD tolerance ${tol === undefined ? '–' : `${tol} mm`}. Means are over the scans where the metric is finite.</p>
<details><summary>Per scan</summary><table><tr><th>Scan</th><th>Case</th>${segmentationMetricNames.map((k) => `<th>${metricLabels[k]}</th>`).join('')}<th>Truth (mL)</th><th>Pred. (mL)</th></tr>${per}</table></details>`;
}

function findingsSection(f: FindingsSection): string {
  const cls = f.classes.filter((c) => c.scans > 0);
  const colour = (name: string) => seriesColour(f.classes.findIndex((c) => c.className === name));
  const count = barChartSvg({
    title: 'Lesion count per scan',
    xLabel: 'lesions (26-connected components)',
    yLabel: 'share of scans',
    categories: [...lesionCountBins],
    series: cls.map((c) => ({ name: c.className, values: c.countFractions, colour: colour(c.className) })),
    width: 460,
  });
  const ratio = stripChartSvg({
    title: 'Lesion volume / lung volume',
    yLabel: 'percent of lung',
    groups: cls.map((c) => ({
      name: c.className,
      values: c.volumeRatios.map((r) => 100 * r),
      colour: colour(c.className),
    })),
  });
  const hu = lineChartSvg({
    title: 'HU density of lesion voxels',
    xLabel: 'HU',
    yLabel: 'density (per 1000 HU)',
    series: cls
      .filter((c) => c.huDensity.some((v) => v > 0))
      .map((c) => ({
        name: c.className,
        points: c.huBinCentres.map((x, b) => [x, 1000 * (c.huDensity[b] as number)] as [number, number]),
        colour: colour(c.className),
      })),
    x: [-1400, 200],
    width: 460,
  });
  const peri = stripChartSvg({
    title: 'Lesion volume near the lung edge',
    yLabel: 'fraction within the distance',
    groups: cls.map((c) => ({
      name: c.className,
      values: c.peripheralFractions,
      colour: colour(c.className),
    })),
    y: [0, 1],
  });
  const mean = (v: readonly number[]) => {
    const f2 = v.filter(Number.isFinite);
    return f2.length ? f2.reduce((a, b) => a + b, 0) / f2.length : Number.NaN;
  };
  const rows = cls
    .map(
      (c) =>
        `<tr><td>${esc(c.className)}</td><td>${c.scans}</td><td>${num(100 * mean(c.volumeRatios), 1)}</td><td>${num(mean(c.groundGlassFractions), 2)}</td><td>${num(mean(c.consolidationFractions), 2)}</td><td>${num(mean(c.peripheralFractions), 2)}</td><td>${num(c.bilateralRate, 2)}</td><td>${num(c.zones.upper, 2)} / ${num(c.zones.middle, 2)} / ${num(c.zones.lower, 2)}</td></tr>`,
    )
    .join('');
  const table = `<table><tr><th>Class</th><th>Scans</th><th>Mean lesion/lung (%)</th><th>Ground-glass</th><th>Consolidation</th><th>Peripheral</th><th>Bilateral</th><th>Upper / middle / lower</th></tr>${rows}</table>`;
  const what = f.source === 'truth' ? 'ground-truth lesion masks' : 'predicted lesion masks';
  const diffs = f.differences.length
    ? `<h3>Do the classes differ?</h3><table><tr><th>Finding</th><th>Classes A / B</th><th>Median A</th><th>Median B</th><th>P(A &gt; B)</th><th>p</th></tr>${f.differences
        .map(
          (d) =>
            `<tr><td>${esc(comparedFindings[d.finding].label)}</td><td>${esc(d.classA)} / ${esc(d.classB)}</td><td>${num(d.medianA, 3)}</td><td>${num(d.medianB, 3)}</td><td>${num(d.test.effect, 2)}</td><td>${formatP(d.test.p)}</td></tr>`,
        )
        .join(
          '',
        )}</table><p class="muted">Two-sided Mann-Whitney U tests (normal approximation with tie and continuity correction), per pair of classes with at least 2 scans with values; P(A &gt; B) counts ties as one half; p-values are not corrected for the ${f.differences.length} comparisons.</p>`
    : '';
  return `<p class="muted">From the ${what} of ${f.scans} scans.</p>${table}<div class="figures">${count}${ratio}${hu}${peri}</div>${diffs}`;
}

function formatP(p: number): string {
  if (Number.isNaN(p)) return '–';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function scansSection(scans: readonly ScanView[]): string {
  const key = `<p class="key">Contours:<span style="background:#00e676"></span>ground truth<span style="background:#ff40c8"></span>prediction · evidence: heat map, min-max normalised per scan · lung window [-1350, 150] HU · patient right on the image left</p>`;
  const cards = scans.map((s) => {
    const cls = [
      s.trueClass ? `true <b>${esc(s.trueClass)}</b>` : '',
      s.predictedClass ? `predicted <b>${esc(s.predictedClass)}</b>` : '',
      s.probabilities ? `p = [${s.probabilities.map((p) => p.toFixed(2)).join(', ')}]` : '',
      s.metrics ? `Dice ${num(s.metrics.dice)} · HD95 ${num(s.metrics.hd95, 1)} mm` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const imgs = s.images
      .map(
        (im) =>
          `<figure><img src="data:image/png;base64,${im.png}" width="${im.width}" height="${im.height}" alt="${esc(`${s.id} ${im.plane} ${im.layer}`)}"><figcaption>${im.plane} ${im.index} · ${im.layer}</figcaption></figure>`,
      )
      .join('');
    return `<div class="scan"><h3>${esc(s.id)}</h3><p>${cls}</p>${imgs}</div>`;
  });
  return `${key}${cards.join('')}`;
}

function readingNotes(): string {
  return `<ul>
<li>Every figure is given with a 95% percentile-bootstrap interval in brackets: resampling scans with replacement, seeded, so the same run gives the same report.</li>
<li>Classification: the predicted class is the arg-max of the probabilities; AUC is one-vs-rest, tied scores count one half; macro figures are unweighted means over classes.</li>
<li>Segmentation: Dice and IoU of voxels; HD95 is the larger of the two directed 95th percentiles of surface-to-surface distances (mm); ASSD pools both directions; NSD counts surface voxels within the tolerance. With both masks empty Dice is 1 and HD95 0; with one empty Dice is 0 and HD95 infinite (counted, not averaged).</li>
<li>Findings: lesions are 26-connected components of at least the minimum size; ground glass is [-950, -300) HU, consolidation [-300, 200] HU; "peripheral" is lesion volume within the stated distance (default 35 mm) of the lung edge; zones are thirds of the lung's height.</li>
<li>Slices go through the largest lesion cross-section; see docs/evaluation.md for all definitions.</li>
</ul>`;
}
