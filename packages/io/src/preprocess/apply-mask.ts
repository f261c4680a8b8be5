/**
 * Masking an image by a label volume (DeepSC-COVID multiplies the normalised scan by the lung mask).
 * @module
 */
import { createVolume, type Volume, type VoxelArray } from '../volume.js';

/**
 * Sets every voxel where `mask` is zero to `outside`.
 *
 * @param image - any volume.
 * @param mask - same dims; non-zero voxels are kept.
 * @param outside - value outside the mask; default 0.
 * @returns a Float32 volume with the image's geometry.
 * @throws RangeError when the dims differ.
 */
export function applyMask(
  image: Volume<VoxelArray>,
  mask: Volume<VoxelArray>,
  outside = 0,
): Volume<Float32Array> {
  if (mask.dims.some((d, a) => d !== image.dims[a])) {
    throw new RangeError(
      `applyMask: mask dims [${mask.dims.join(', ')}] differ from the image's [${image.dims.join(', ')}]`,
    );
  }
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] === 0 ? outside : (image.data[i] as number);
  return createVolume(out, image.dims, image.affine);
}
