/**
 * DeepSC-COVID's side of the sliding window: the grid a scan is cut into patches on
 * (`PatchGrid`) and each window's region in the whole scan. The generic geometry (window
 * positions, the grid of windows, Gaussian blending weights) is core's (`windowGrid`,
 * `windowStarts`, `gaussianWeights`).
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
