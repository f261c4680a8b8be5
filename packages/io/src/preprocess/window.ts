/**
 * Hounsfield-unit windowing: the first step of the DeepSC-COVID preprocessing, which clips CT to
 * [-1400, 200] HU (Wang et al., IEEE TMI 40(9), 2021).
 * @module
 */
import { createVolume, type Volume, type VoxelArray } from '../volume.js';

/** A HU window: values below `min` become `min`, above `max` become `max`. */
export interface HuWindow {
  /** Lower bound in HU; DeepSC-COVID uses -1400. */
  readonly min: number;
  /** Upper bound in HU; DeepSC-COVID uses 200. */
  readonly max: number;
}

/** The DeepSC-COVID window, [-1400, 200] HU. */
export const DEEPSC_HU_WINDOW: HuWindow = { min: -1400, max: 200 };

/**
 * Clips a CT volume to a HU window. Geometry is kept.
 *
 * @param volume - CT in HU, any voxel type.
 * @param window - the window; default {@link DEEPSC_HU_WINDOW}.
 * @returns a Float32 volume with the same dims and affine.
 * @throws RangeError when `window.min >= window.max` or a bound is not finite.
 */
export function clipHu(
  volume: Volume<VoxelArray>,
  window: HuWindow = DEEPSC_HU_WINDOW,
): Volume<Float32Array> {
  checkWindow(window);
  const src = volume.data;
  const out = new Float32Array(src.length);
  const { min, max } = window;
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    out[i] = v < min ? min : v > max ? max : v;
  }
  return createVolume(out, volume.dims, volume.affine);
}

/** @throws RangeError naming the bad window. */
export function checkWindow(window: HuWindow): void {
  if (!Number.isFinite(window.min) || !Number.isFinite(window.max) || window.min >= window.max) {
    throw new RangeError(`HU window: need finite min < max, got [${window.min}, ${window.max}]`);
  }
}
