/**
 * Interpolation kinds and output allocation shared by resampling and augmentation.
 * @module
 */
import { DEFAULT_MAX_BYTES } from '../fs/gzip.js';
import type { VoxelArray } from '../volume.js';

/** `linear` (trilinear, for images) or `nearest` (for label maps: keeps label values exactly). */
export type Interpolation = 'linear' | 'nearest';

/** @throws RangeError for anything but `linear` or `nearest`. */
export function checkInterpolation(mode: string): asserts mode is Interpolation {
  if (mode !== 'linear' && mode !== 'nearest') {
    throw new RangeError(`interpolation must be 'linear' (images) or 'nearest' (labels), got '${mode}'`);
  }
}

/**
 * A zeroed array of the same typed-array kind as `like` (or float32), of length `n`: the output
 * of a crop, pad, warp or resample, whose size follows from the caller's numbers.
 * @throws RangeError when it would take more than `DEFAULT_MAX_BYTES` (2 GiB, the reader's limit).
 */
export function allocLike<T extends VoxelArray>(like: T | 'float32', n: number): T {
  const Ctor = (like === 'float32' ? Float32Array : like.constructor) as (new (
    n: number,
  ) => T) & {
    BYTES_PER_ELEMENT: number;
  };
  const bytes = n * Ctor.BYTES_PER_ELEMENT;
  if (bytes > DEFAULT_MAX_BYTES)
    throw new RangeError(
      `a volume of ${n} voxels (${bytes} bytes) would exceed the limit of ${DEFAULT_MAX_BYTES} bytes`,
    );
  return new Ctor(n);
}
