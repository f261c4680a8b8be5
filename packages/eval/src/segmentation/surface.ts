/**
 * Surfaces of binary masks as voxel sets, the convention of MONAI's `get_mask_edges`: a
 * surface voxel is a foreground voxel with at least one background voxel among its 6 face
 * neighbours (the mask minus its erosion by the 3D cross), voxels outside the volume counting
 * as background. A one-voxel-thick structure is all surface.
 * @module
 */
import type { Triple } from './mask.js';

/**
 * Marks the surface voxels (6-neighbourhood, outside = background) of a 0/1 mask.
 * @returns a new 0/1 array of the same length.
 */
export function surfaceVoxels(mask: Uint8Array, dims: Triple): Uint8Array {
  const [ni, nj, nk] = dims;
  const plane = ni * nj;
  const out = new Uint8Array(mask.length);
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i++) {
        const v = row + i;
        if (!mask[v]) continue;
        if (
          i === 0 ||
          i === ni - 1 ||
          j === 0 ||
          j === nj - 1 ||
          k === 0 ||
          k === nk - 1 ||
          !mask[v - 1] ||
          !mask[v + 1] ||
          !mask[v - ni] ||
          !mask[v + ni] ||
          !mask[v - plane] ||
          !mask[v + plane]
        ) {
          out[v] = 1;
        }
      }
    }
  }
  return out;
}
