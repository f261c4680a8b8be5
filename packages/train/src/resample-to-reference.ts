/**
 * Resampling a prediction onto another volume's grid through both affines (world coordinates),
 * so a result made on the network's cropped and resampled grid lands voxel for voxel on the
 * input scan's own grid, whatever its spacing, size or orientation.
 * @module
 */
import { type Grid, resampleToGrid, type Volume } from '@deepsc/io';

export type { Grid } from '@deepsc/io';

/**
 * Samples `source` (trilinear) at the centre of every voxel of `reference`. Points more than half
 * a voxel outside the source get `padValue`.
 * @param padValue - default 0.
 * @throws RangeError when either affine is singular.
 */
export function resampleToReference(source: Volume, reference: Grid, padValue = 0): Volume<Float32Array> {
  return resampleToGrid(source, reference, 'linear', padValue) as Volume<Float32Array>;
}
