/**
 * The frame shared by every chart: linear scales, "nice" ticks, axes, a title and a legend,
 * all as inline SVG text.
 * @module
 */
import { escapeHtml } from '../escape.js';

/** Size and labels of a chart. */
export interface PlotFrame {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** Pixels; default 420 x 300. */
  readonly width?: number;
  readonly height?: number;
  /** Tick labels of a categorical x axis (placed at 0, 1, ...) instead of numeric ticks. */
  readonly xCategories?: readonly string[];
}

/** A frame's pixel mapping. */
export interface Plot {
  readonly px: (x: number) => number;
  readonly py: (y: number) => number;
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const margin = { left: 56, right: 16, top: 30, bottom: 44 };

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * Builds the pixel mapping of a frame (a degenerate range is widened by one unit).
 * @param legendEntries legend entries `frameSvg` will draw (0: no legend row).
 */
export function makePlot(f: PlotFrame, legendEntries = 0): Plot {
  const width = f.width ?? 420;
  const height = f.height ?? 300;
  const [x0, x1] = f.x[1] > f.x[0] ? f.x : [f.x[0] - 0.5, f.x[0] + 0.5];
  const [y0, y1] = f.y[1] > f.y[0] ? f.y : [f.y[0] - 0.5, f.y[0] + 0.5];
  const left = margin.left;
  const right = width - margin.right;
  // a legend takes a row under the title, so it never covers the data
  const top = margin.top + (legendEntries > 0 ? 16 : 0);
  const bottom = height - margin.bottom;
  return {
    px: (x) => left + ((x - x0) / (x1 - x0)) * (right - left),
    py: (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top),
    width,
    height,
    left,
    right,
    top,
    bottom,
  };
}

const fmt = (t: number) =>
  Math.abs(t) >= 1000 || t === Math.round(t) ? String(Math.round(t)) : String(Number(t.toPrecision(3)));

/**
 * Wraps chart content in an `<svg class="figure">` with axes, ticks, grid, labels and title.
 * @param body SVG elements drawn inside the frame.
 * @param legend entries (name, colour) drawn in a row under the title; pass their count to
 *   `makePlot` so the frame leaves room for it.
 */
export function frameSvg(
  f: PlotFrame,
  p: Plot,
  body: string,
  legend: readonly (readonly [string, string])[] = [],
): string {
  const parts: string[] = [];
  const [y0, y1] = f.y;
  for (const t of niceTicks(Math.min(y0, y1), Math.max(y0, y1))) {
    const y = p.py(t);
    parts.push(`<line x1="${p.left}" x2="${p.right}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(`<text x="${p.left - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  if (f.xCategories) {
    f.xCategories.forEach((c, k) => {
      parts.push(`<text x="${p.px(k)}" y="${p.bottom + 16}" text-anchor="middle">${escapeHtml(c)}</text>`);
    });
  } else {
    for (const t of niceTicks(f.x[0], f.x[1])) {
      const x = p.px(t);
      parts.push(`<line x1="${x}" x2="${x}" y1="${p.bottom}" y2="${p.bottom + 4}" class="axis"/>`);
      parts.push(`<text x="${x}" y="${p.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
    }
  }
  parts.push(`<line x1="${p.left}" x2="${p.right}" y1="${p.bottom}" y2="${p.bottom}" class="axis"/>`);
  parts.push(`<line x1="${p.left}" x2="${p.left}" y1="${p.top}" y2="${p.bottom}" class="axis"/>`);
  parts.push(
    `<text x="${(p.left + p.right) / 2}" y="${p.height - 8}" text-anchor="middle" class="label">${escapeHtml(f.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(p.top + p.bottom) / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(f.yLabel)}</text>`,
  );
  parts.push(
    `<text x="${p.width / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(f.title)}</text>`,
  );
  let lx = p.left;
  for (const [name, colour] of legend) {
    parts.push(`<rect x="${lx}" y="${p.top - 18}" width="10" height="10" fill="${colour}"/>`);
    parts.push(`<text x="${lx + 14}" y="${p.top - 9}" class="legend">${escapeHtml(name)}</text>`);
    lx += 24 + 6.5 * name.length;
  }
  return (
    `<svg class="figure" xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" role="img" aria-label="${escapeHtml(f.title)}">` +
    `${parts.join('')}${body}</svg>`
  );
}

/** A polyline path through the points with finite coordinates (breaks at NaN gaps). */
export function pathOf(points: readonly (readonly [number, number])[], p: Plot): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${p.px(x).toFixed(1)},${p.py(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}
