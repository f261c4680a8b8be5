/**
 * Trilinear resampling of a bare 3D array `[D, H, W]` (PyTorch's `F.interpolate(...,
 * mode='trilinear', align_corners=False)`) for inference on scans of any size: `@deepsc/io`'s
 * `resampleToShape`, the one host-side implementation (the one that prepares the training
 * scans), on the array taken as a volume with dims `[W, H, D]` (i fastest, as the data lies).
 * @module
 */
import { createVolume, resampleToShape } from '@deepsc/io';
import type { Size3 } from './strides.js';

/** A 3D array of values, `[D, H, W]` row-major. */
export interface Array3 {
  data: Float32Array;
  shape: Size3;
}

/**
 * Resamples `x` to `size`; a new array, also when the size is the same.
 * @throws RangeError when a size is not a positive integer or the data does not fill the shape.
 */
export function resample3d(x: Array3, size: Size3): Array3 {
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  if (x.data.length !== n)
    throw new RangeError(`resample3d: ${x.data.length} values do not fill [${x.shape.join(', ')}]`);
  for (const s of [...x.shape, ...size])
    if (!Number.isSafeInteger(s) || s < 1)
      throw new RangeError(`resample3d: sizes must be positive integers, got ${s}`);
  const [d, h, w] = x.shape;
  const out = resampleToShape(createVolume(x.data, [w, h, d]), [size[2], size[1], size[0]]);
  return { data: out.data as Float32Array, shape: [size[0], size[1], size[2]] };
}
