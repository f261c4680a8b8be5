/**
 * Running a mask operation only on the bounding box of the mask (plus a margin), so that
 * morphology on one lung or the trachea costs a fraction of the whole scan.
 * @module
 */

import type { Vec3 } from '../volume.js';

/**
 * Applies `op` to the box around the non-zero voxels of `mask`, widened by `margin` voxels per
 * axis (clipped to the volume), and returns a full-size result that is zero outside the box.
 * Exact for operations whose effect reaches no further than the margin (dilation, closing,
 * per-slice hole filling with a margin of at least one voxel).
 *
 * @param mask - binary mask, i fastest.
 * @param dims - voxel counts along i, j, k.
 * @param margin - voxels added on each side of the box along i, j, k.
 * @param op - the operation on the sub-volume (its dims given), returning a mask of the same size.
 */
export function applyInBox(
  mask: Uint8Array,
  dims: Vec3,
  margin: Vec3,
  op: (sub: Uint8Array, subDims: Vec3) => Uint8Array,
): Uint8Array {
  const [ni, nj, nk] = dims;
  let i0 = ni;
  let j0 = nj;
  let k0 = nk;
  let i1 = -1;
  let j1 = -1;
  let k1 = -1;
  let p = 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++, p++) {
        if (mask[p] === 0) continue;
        if (i < i0) i0 = i;
        if (i > i1) i1 = i;
        if (j < j0) j0 = j;
        if (j > j1) j1 = j;
        if (k < k0) k0 = k;
        if (k > k1) k1 = k;
      }
    }
  }
  const out = new Uint8Array(mask.length);
  if (i1 < 0) return out;
  i0 = Math.max(0, i0 - margin[0]);
  j0 = Math.max(0, j0 - margin[1]);
  k0 = Math.max(0, k0 - margin[2]);
  i1 = Math.min(ni - 1, i1 + margin[0]);
  j1 = Math.min(nj - 1, j1 + margin[1]);
  k1 = Math.min(nk - 1, k1 + margin[2]);
  const sd: Vec3 = [i1 - i0 + 1, j1 - j0 + 1, k1 - k0 + 1];
  const sub = new Uint8Array(sd[0] * sd[1] * sd[2]);
  for (let k = 0; k < sd[2]; k++) {
    for (let j = 0; j < sd[1]; j++) {
      const from = i0 + ni * (j0 + j + nj * (k0 + k));
      sub.set(mask.subarray(from, from + sd[0]), sd[0] * (j + sd[1] * k));
    }
  }
  const res = op(sub, sd);
  for (let k = 0; k < sd[2]; k++) {
    for (let j = 0; j < sd[1]; j++) {
      const at = sd[0] * (j + sd[1] * k);
      out.set(res.subarray(at, at + sd[0]), i0 + ni * (j0 + j + nj * (k0 + k)));
    }
  }
  return out;
}
