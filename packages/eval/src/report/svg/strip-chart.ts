/**
 * Strip charts: every scan's value as a dot per group, over a box of the quartiles and a
 * median line (e.g. lesion volume ratio and peripheral fraction per class).
 * @module
 */
import { percentile } from '../../stats/percentile.js';
import { escapeHtml } from '../escape.js';
import { seriesColour } from '../palette.js';
import { frameSvg, makePlot } from './plot.js';

/** Groups of values, one strip each. */
export interface StripChart {
  readonly title: string;
  readonly yLabel: string;
  readonly groups: readonly {
    readonly name: string;
    readonly values: readonly number[];
    readonly colour?: string;
  }[];
  /** Value range; default from min(0, smallest value) to 1.05 x the largest value. */
  readonly y?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** Renders a strip chart as an inline `<svg class="figure">`; non-finite values are left out. */
export function stripChartSvg(c: StripChart): string {
  const all = c.groups.flatMap((g) => g.values.filter(Number.isFinite));
  const y = c.y ?? ([Math.min(0, ...all), all.length ? Math.max(...all) * 1.05 || 1 : 1] as const);
  const frame = {
    title: c.title,
    xLabel: '',
    yLabel: c.yLabel,
    x: [-0.5, c.groups.length - 0.5] as const,
    y,
    xCategories: c.groups.map((g) => `${g.name} (n=${g.values.filter(Number.isFinite).length})`),
    width: c.width,
    height: c.height,
  };
  const p = makePlot(frame);
  const half = (p.px(1) - p.px(0)) * 0.3;
  let body = '';
  c.groups.forEach((g, k) => {
    const colour = g.colour ?? seriesColour(k);
    const v = g.values.filter(Number.isFinite);
    if (v.length === 0) return;
    const cx = p.px(k);
    const q1 = p.py(percentile(v, 25));
    const q3 = p.py(percentile(v, 75));
    const med = p.py(percentile(v, 50));
    body += `<rect x="${cx - half}" y="${q3}" width="${2 * half}" height="${Math.max(1, q1 - q3)}" fill="${colour}" fill-opacity="0.15" stroke="${colour}"/>`;
    body += `<line x1="${cx - half}" x2="${cx + half}" y1="${med}" y2="${med}" stroke="${colour}" stroke-width="2.5"/>`;
    v.forEach((x, n) => {
      // deterministic jitter, so the report is reproducible
      const jitter = ((((n * 2654435761) >>> 0) % 1000) / 1000 - 0.5) * half * 1.4;
      body += `<circle cx="${(cx + jitter).toFixed(1)}" cy="${p.py(x).toFixed(1)}" r="2.5" fill="${colour}" fill-opacity="0.7"><title>${escapeHtml(g.name)}: ${x}</title></circle>`;
    });
  });
  return frameSvg(frame, p, body);
}
