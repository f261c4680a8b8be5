/**
 * The exact Euclidean distance transform (Felzenszwalb and Huttenlocher) that the surface
 * distances and the findings use, written once in `@deepsc/io`; here with float32 output,
 * which halves the memory of whole-volume transforms.
 * @module
 */
import { squaredDistanceTransform as transform } from '@deepsc/io';

import type { Triple } from './mask.js';

/**
 * Squared distance in mm^2 from every voxel to the nearest voxel where `feature` is non-zero
 * (0 on feature voxels; `Infinity` everywhere without any). Float32 keeps the squared integer
 * distances of unit spacing exact up to 2^24.
 * @throws RangeError when the lengths disagree or a spacing is not positive.
 */
export function squaredDistanceTransform(feature: Uint8Array, dims: Triple, spacing: Triple): Float32Array {
  return transform(feature, dims, spacing, new Float32Array(feature.length));
}
