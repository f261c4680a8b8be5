/**
 * Sliding-window geometry any network's inference can use: window positions along an axis
 * with a configurable overlap, every window's start on a 3D grid, and the Gaussian importance
 * weights that blend overlapping windows (nnU-Net's, sigma = 1/8 of the window per axis).
 * @module
 */
import type { GridSize } from './model-spec.js';

/**
 * Start of each window along an axis of `size` for windows of `window` with `overlap` in
 * [0, 1): evenly spaced from 0 to size - window, consecutive windows sharing at least
 * `overlap * window` voxels.
 * @throws RangeError for an overlap outside [0, 1) or a window larger than the axis.
 */
export function windowStarts(size: number, window: number, overlap: number): number[] {
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`overlap ${overlap} must be in [0, 1)`);
  if (window > size) throw new RangeError(`window ${window} is larger than the axis (${size})`);
  if (window === size) return [0];
  const step = Math.max(1, Math.floor(window * (1 - overlap)));
  const n = Math.ceil((size - window) / step) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (size - window)) / (n - 1)));
}

/**
 * Every window's start `[d, h, w]` for windows of `window` on a grid of `shape`, `d` slowest.
 * @throws RangeError as {@link windowStarts} on any axis.
 */
export function windowGrid(shape: GridSize, window: GridSize, overlap: number): GridSize[] {
  const [sd, sh, sw] = [0, 1, 2].map((a) =>
    windowStarts(shape[a] as number, window[a] as number, overlap),
  ) as [number[], number[], number[]];
  const out: GridSize[] = [];
  for (const d of sd) for (const h of sh) for (const w of sw) out.push([d, h, w]);
  return out;
}

/** Gaussian importance map over a window (sigma = size / 8 per axis, peak 1, no zeros). */
export function gaussianWeights(size: GridSize): Float32Array {
  const axis = (n: number) => {
    const sigma = n / 8;
    const centre = (n - 1) / 2;
    return Array.from({ length: n }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)));
  };
  const [gd, gh, gw] = [axis(size[0]), axis(size[1]), axis(size[2])];
  const w = new Float32Array(size[0] * size[1] * size[2]);
  let min = Number.POSITIVE_INFINITY;
  let i = 0;
  for (const a of gd)
    for (const b of gh)
      for (const cc of gw) {
        const v = a * b * cc;
        w[i++] = v;
        if (v > 0 && v < min) min = v;
      }
  for (let j = 0; j < w.length; j++) if ((w[j] as number) <= 0) w[j] = min;
  return w;
}
