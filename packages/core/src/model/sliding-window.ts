/**
 * Sliding-window geometry: the grid a scan is cut into patches on (`PatchGrid`), window
 * positions with a configurable overlap, each window's region in the whole scan, and the
 * Gaussian importance weights used to blend overlapping windows (nnU-Net's, sigma = 1/8 of the
 * window per axis).
 * @module
 */
import type { ResolvedConfig } from './config.js';
import type { PatchRegion } from './region.js';
import type { Size3 } from './strides.js';

/**
 * Which grid patches are cut from: `whole-scan` (default): the scan resampled to `wholeSize`,
 * so patches have the whole-scan stream's resolution (how `@deepsc/train` samples them);
 * `native`: on the axes where the patch spans the scan (patchSize = wholeSize) the scan is
 * resampled to patchSize, on the others it keeps its own size (its native slices, at least
 * patchSize), for networks trained on native-resolution patches.
 */
export type PatchGrid = 'whole-scan' | 'native';

/** The grid patches are cut from for a scan of `inputShape` (see {@link PatchGrid}). */
export function segmentationShape(
  c: ResolvedConfig,
  inputShape: Size3,
  grid: PatchGrid = 'whole-scan',
): Size3 {
  if (grid === 'whole-scan') return [...c.wholeSize] as unknown as Size3;
  if (grid !== 'native')
    throw new RangeError(`patch grid '${String(grid)}' must be 'whole-scan' or 'native'`);
  return [0, 1, 2].map((a) =>
    c.regionAxes.includes(a)
      ? Math.max(inputShape[a] as number, c.patchSize[a] as number)
      : (c.patchSize[a] as number),
  ) as unknown as Size3;
}

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

/** Every window's start `[d, h, w]` on a patch grid of `shape`. */
export function windowGrid(c: ResolvedConfig, shape: Size3, overlap: number): Size3[] {
  const [sd, sh, sw] = [0, 1, 2].map((a) =>
    windowStarts(shape[a] as number, c.patchSize[a] as number, overlap),
  ) as [number[], number[], number[]];
  const out: Size3[] = [];
  for (const d of sd) for (const h of sh) for (const w of sw) out.push([d, h, w]);
  return out;
}

/** The region in whole-scan voxels of the window at `start` on a patch grid of `shape`. */
export function windowRegion(c: ResolvedConfig, shape: Size3, start: Size3): PatchRegion {
  const lo = [0, 1, 2].map((a) => ((start[a] as number) * (c.wholeSize[a] as number)) / (shape[a] as number));
  const hi = [0, 1, 2].map(
    (a) =>
      (((start[a] as number) + (c.patchSize[a] as number)) * (c.wholeSize[a] as number)) /
      (shape[a] as number),
  );
  return { lo: lo as unknown as Size3, hi: hi as unknown as Size3 };
}

/** Gaussian importance map over a window (sigma = size / 8 per axis, peak 1, no zeros). */
export function gaussianWeights(size: Size3): Float32Array {
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
