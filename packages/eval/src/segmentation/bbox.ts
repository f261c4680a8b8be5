/**
 * Bounding boxes and crops: the distance metrics only look inside the box around both
 * surfaces, which is what makes them fast on whole CT volumes.
 * @module
 */
import type { Triple } from './mask.js';

/** An inclusive voxel box `[i0, i1] x [j0, j1] x [k0, k1]`. */
export interface Box {
  readonly lo: Triple;
  readonly hi: Triple;
}

/**
 * The smallest box holding every voxel where any of `masks` is non-zero, or `null` when all
 * are empty. All masks must have `dims`' voxel count.
 */
export function boundingBox(masks: readonly Uint8Array[], dims: Triple): Box | null {
  const [ni, nj, nk] = dims;
  let i0 = ni;
  let i1 = -1;
  let j0 = nj;
  let j1 = -1;
  let k0 = nk;
  let k1 = -1;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      const row = ni * (j + nj * k);
      let first = -1;
      let last = -1;
      for (const m of masks) {
        for (let i = 0; i < ni; i++) {
          if (m[row + i]) {
            if (first < 0 || i < first) first = i;
            break;
          }
        }
        if (first < 0) continue;
        for (let i = ni - 1; i > last; i--) {
          if (m[row + i]) {
            last = i;
            break;
          }
        }
      }
      if (first < 0) continue;
      if (first < i0) i0 = first;
      if (last > i1) i1 = last;
      if (j < j0) j0 = j;
      if (j > j1) j1 = j;
      if (k < k0) k0 = k;
      k1 = k;
    }
  }
  if (i1 < 0) return null;
  return { lo: [i0, j0, k0], hi: [i1, j1, k1] };
}

/** The box grown by `pad` voxels on every side (not clipped to the volume). */
export function padBox(box: Box, pad: number): Box {
  return {
    lo: [box.lo[0] - pad, box.lo[1] - pad, box.lo[2] - pad],
    hi: [box.hi[0] + pad, box.hi[1] + pad, box.hi[2] + pad],
  };
}

/** Voxel counts of a box. */
export function boxDims(box: Box): Triple {
  return [box.hi[0] - box.lo[0] + 1, box.hi[1] - box.lo[1] + 1, box.hi[2] - box.lo[2] + 1];
}

/**
 * Copies the voxels of `src` (dims `dims`) inside `box` into a new array of `boxDims(box)`.
 * Parts of the box outside the volume read as `outside`.
 */
export function cropMask(src: Uint8Array, dims: Triple, box: Box, outside = 0): Uint8Array {
  const [ni, nj, nk] = dims;
  const [ci, cj, ck] = boxDims(box);
  const out = new Uint8Array(ci * cj * ck);
  if (outside !== 0) out.fill(outside);
  const ia = Math.max(0, box.lo[0]);
  const ib = Math.min(ni - 1, box.hi[0]);
  for (let k = Math.max(0, box.lo[2]); k <= Math.min(nk - 1, box.hi[2]); k++) {
    for (let j = Math.max(0, box.lo[1]); j <= Math.min(nj - 1, box.hi[1]); j++) {
      const s = ni * (j + nj * k);
      const d = ci * (j - box.lo[1] + cj * (k - box.lo[2])) - box.lo[0];
      out.set(src.subarray(s + ia, s + ib + 1), d + ia);
    }
  }
  return out;
}
