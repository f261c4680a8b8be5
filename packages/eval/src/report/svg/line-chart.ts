/**
 * Line charts: training curves, ROC curves, HU density curves.
 * @module
 */
import { seriesColour } from '../palette.js';
import { frameSvg, makePlot, pathOf } from './plot.js';

/** One line of a chart. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Default: the k-th palette colour. */
  readonly colour?: string;
  /** `solid` (default) or `dashed`. */
  readonly stroke?: 'solid' | 'dashed';
}

/** A line chart's content and frame. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  /** Axis ranges; default the data's finite extent. */
  readonly x?: readonly [number, number];
  readonly y?: readonly [number, number];
  /** Draws the chance diagonal y = x (for ROC curves). Default 'none'. */
  readonly reference?: 'none' | 'diagonal';
  readonly width?: number;
  readonly height?: number;
}

function extent(values: number[]): [number, number] {
  const f = values.filter(Number.isFinite);
  return f.length === 0 ? [0, 1] : [Math.min(...f), Math.max(...f)];
}

/** Widens a range by 5% at the top so peaks do not touch the frame. */
function headroom([lo, hi]: [number, number]): [number, number] {
  return [lo, hi + 0.05 * (hi - lo)];
}

/** Renders a line chart as an inline `<svg class="figure">`. */
export function lineChartSvg(c: LineChart): string {
  const xs = c.series.flatMap((s) => s.points.map((pt) => pt[0]));
  const ys = c.series.flatMap((s) => s.points.map((pt) => pt[1]));
  const frame = {
    title: c.title,
    xLabel: c.xLabel,
    yLabel: c.yLabel,
    x: c.x ?? extent(xs),
    y: c.y ?? headroom(extent(ys)),
    width: c.width,
    height: c.height,
  };
  const p = makePlot(frame, c.series.length > 1 ? c.series.length : 0);
  let body = '';
  if (c.reference === 'diagonal') {
    body += `<path d="${pathOf(
      [
        [frame.x[0], frame.x[0]],
        [frame.x[1], frame.x[1]],
      ],
      p,
    )}" class="reference"/>`;
  }
  const legend: [string, string][] = [];
  c.series.forEach((s, k) => {
    const colour = s.colour ?? seriesColour(k);
    legend.push([s.name, colour]);
    const dash = s.stroke === 'dashed' ? ' stroke-dasharray="5 3"' : '';
    body += `<path d="${pathOf(s.points, p)}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`;
    if (s.points.length === 1) {
      const [x, y] = s.points[0] as readonly [number, number];
      body += `<circle cx="${p.px(x)}" cy="${p.py(y)}" r="3" fill="${colour}"/>`;
    }
  });
  return frameSvg(frame, p, body, c.series.length > 1 ? legend : []);
}
