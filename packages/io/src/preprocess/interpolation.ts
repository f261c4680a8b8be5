/**
 * Interpolation kinds and output allocation shared by resampling and augmentation.
 * @module
 */
import type { VoxelArray } from '../volume.js';

/** `linear` (trilinear, for images) or `nearest` (for label maps: keeps label values exactly). */
export type Interpolation = 'linear' | 'nearest';

/** @throws RangeError for anything but `linear` or `nearest`. */
export function checkInterpolation(mode: string): asserts mode is Interpolation {
  if (mode !== 'linear' && mode !== 'nearest') {
    throw new RangeError(`interpolation must be 'linear' (images) or 'nearest' (labels), got '${mode}'`);
  }
}

/** A zeroed array of the same typed-array kind as `like`, of length `n`. */
export function allocLike<T extends VoxelArray>(like: T, n: number): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(n);
}
