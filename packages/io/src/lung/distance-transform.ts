/**
 * Distance to the background, for the lung mask's morphology and the synthetic anatomy.
 * @module
 */
import { squaredDistanceTransform } from '../geometry/distance-transform.js';

/**
 * Squared distance in mm^2 from every voxel where `mask` is non-zero to the nearest voxel where
 * it is zero (0 on zero voxels). Voxels beyond the volume do not count as zero voxels, so a mask
 * filling the whole volume gets `Infinity` everywhere.
 *
 * @param mask - i fastest, length `ni * nj * nk`.
 * @param dims - voxel counts along i, j, k.
 * @param spacing - voxel size in mm along i, j, k.
 * @throws RangeError when the lengths disagree or a spacing is not positive.
 */
export function squaredDistanceToBackground(
  mask: ArrayLike<number>,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): Float64Array {
  const n = dims[0] * dims[1] * dims[2];
  if (mask.length !== n)
    throw new RangeError(
      `distance transform: mask has ${mask.length} voxels, dims [${dims.join(', ')}] need ${n}`,
    );
  const background = new Uint8Array(n);
  for (let p = 0; p < n; p++) background[p] = mask[p] === 0 ? 1 : 0;
  return squaredDistanceTransform(background, dims, spacing);
}
