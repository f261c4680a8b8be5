import type { Triple } from '../../src/segmentation/mask.js';

/** A mask on `dims` with the given flat indices (i fastest) set to 1. */
export function fromIndices(dims: Triple, indices: readonly number[]): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const v of indices) m[v] = 1;
  return m;
}

/** A mask on `dims` where `inside(i, j, k)` holds. */
export function fromPredicate(
  dims: Triple,
  inside: (i: number, j: number, k: number) => boolean,
): Uint8Array {
  const [ni, nj, nk] = dims;
  const m = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) if (inside(i, j, k)) m[i + ni * (j + nj * k)] = 1;
  return m;
}

/** A box [lo, hi] (inclusive) as a predicate. */
export function box(lo: Triple, hi: Triple) {
  return (i: number, j: number, k: number) =>
    i >= lo[0] && i <= hi[0] && j >= lo[1] && j <= hi[1] && k >= lo[2] && k <= hi[2];
}

/** A ball of radius r voxels around c (in voxel units, isotropic). */
export function ball(c: Triple, r: number) {
  return (i: number, j: number, k: number) => (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2 <= r * r;
}
