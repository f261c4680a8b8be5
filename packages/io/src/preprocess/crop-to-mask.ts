/**
 * Cropping to the bounding box of a mask (the lungs) with a margin in millimetres.
 * @module
 */
import type { Volume, VoxelArray } from '../volume.js';
import { cropOrPad, type VoxelBox } from './crop-pad.js';

/**
 * The smallest box holding every non-zero voxel of `mask`, or `undefined` when the mask is empty.
 */
export function maskBoundingBox(mask: Volume<VoxelArray>): VoxelBox | undefined {
  const [ni, nj, nk] = mask.dims;
  const lo = [ni, nj, nk];
  const hi = [-1, -1, -1];
  const d = mask.data;
  let p = 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++, p++) {
        if (d[p] === 0) continue;
        if (i < (lo[0] as number)) lo[0] = i;
        if (i > (hi[0] as number)) hi[0] = i;
        if (j < (lo[1] as number)) lo[1] = j;
        if (j > (hi[1] as number)) hi[1] = j;
        if (k < (lo[2] as number)) lo[2] = k;
        if (k > (hi[2] as number)) hi[2] = k;
      }
    }
  }
  if ((hi[0] as number) < 0) return undefined;
  return {
    start: [lo[0] as number, lo[1] as number, lo[2] as number],
    size: [
      (hi[0] as number) - (lo[0] as number) + 1,
      (hi[1] as number) - (lo[1] as number) + 1,
      (hi[2] as number) - (lo[2] as number) + 1,
    ],
  };
}

/**
 * The box around a mask's non-zero voxels, widened by `marginMm` on every side (converted to
 * voxels with the mask's spacing, rounded up) and clipped to the volume.
 *
 * @param mask - the mask (for example a lung mask).
 * @param marginMm - margin in mm; default 10.
 * @throws RangeError when the mask is empty (there is nothing to crop to) or the margin is negative.
 */
export function maskCropBox(mask: Volume<VoxelArray>, marginMm = 10): VoxelBox {
  if (!(marginMm >= 0)) throw new RangeError(`cropToMask: marginMm must be >= 0, got ${marginMm}`);
  const box = maskBoundingBox(mask);
  if (!box)
    throw new RangeError(
      'cropToMask: the mask is empty, so there is no region to crop to (check the lung mask)',
    );
  const start: number[] = [];
  const size: number[] = [];
  for (let a = 0; a < 3; a++) {
    const m = Math.ceil(marginMm / (mask.spacing[a] as number) - 1e-9);
    const s = Math.max(0, (box.start[a] as number) - m);
    const e = Math.min(
      (mask.dims[a] as number) - 1,
      (box.start[a] as number) + (box.size[a] as number) - 1 + m,
    );
    start.push(s);
    size.push(e - s + 1);
  }
  return { start: start as unknown as VoxelBox['start'], size: size as unknown as VoxelBox['size'] };
}

/**
 * Crops several volumes of one grid (image, lesion mask, lung mask) to the mask's box plus a
 * margin; affines are updated, so world positions are kept.
 *
 * @param volumes - volumes with the mask's dims.
 * @param mask - the mask defining the region.
 * @param marginMm - margin in mm; default 10.
 * @returns the cropped volumes (same order) and the box used.
 * @throws RangeError when the mask is empty or a volume's dims differ from the mask's.
 */
export function cropToMask<T extends VoxelArray>(
  volumes: readonly Volume<T>[],
  mask: Volume<VoxelArray>,
  marginMm = 10,
): { volumes: Volume<T>[]; box: VoxelBox } {
  for (const [n, v] of volumes.entries()) {
    if (v.dims.some((d, a) => d !== mask.dims[a])) {
      throw new RangeError(
        `cropToMask: volume ${n} has dims [${v.dims.join(', ')}], the mask [${mask.dims.join(', ')}]`,
      );
    }
  }
  const box = maskCropBox(mask, marginMm);
  return { volumes: volumes.map((v) => cropOrPad(v, box)), box };
}
