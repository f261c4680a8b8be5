/**
 * Grouped bar charts (e.g. the lesion-count histogram per class).
 * @module
 */
import { escapeHtml } from '../escape.js';
import { seriesColour } from '../palette.js';
import { frameSvg, makePlot } from './plot.js';

/** Bars grouped by category, one bar per series in each group. */
export interface BarChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly {
    readonly name: string;
    readonly values: readonly number[];
    readonly colour?: string;
  }[];
  readonly width?: number;
  readonly height?: number;
}

/** Renders a grouped bar chart as an inline `<svg class="figure">`; NaN values draw no bar. */
export function barChartSvg(c: BarChart): string {
  const top = Math.max(0, ...c.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const frame = {
    title: c.title,
    xLabel: c.xLabel,
    yLabel: c.yLabel,
    x: [-0.5, c.categories.length - 0.5] as const,
    y: [0, top > 0 ? top * 1.05 : 1] as const,
    xCategories: c.categories,
    width: c.width,
    height: c.height,
  };
  const p = makePlot(frame, c.series.length > 1 ? c.series.length : 0);
  const groupWidth = (p.px(1) - p.px(0)) * 0.8;
  const barWidth = groupWidth / Math.max(1, c.series.length);
  let body = '';
  c.series.forEach((s, k) => {
    const colour = s.colour ?? seriesColour(k);
    s.values.forEach((v, g) => {
      if (!Number.isFinite(v)) return;
      const x = p.px(g) - groupWidth / 2 + k * barWidth;
      const y = p.py(v);
      body += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${(p.bottom - y).toFixed(1)}" fill="${colour}"><title>${escapeHtml(s.name)}: ${v}</title></rect>`;
    });
  });
  const legend = c.series.map((s, k) => [s.name, s.colour ?? seriesColour(k)] as const);
  return frameSvg(frame, p, body, c.series.length > 1 ? legend : []);
}
