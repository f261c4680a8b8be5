/**
 * The voxel grid of a synthetic scan: a scanner-like orientation (i towards the patient's left,
 * j towards posterior, k towards superior, as DICOM-converted CT usually is), centred on the
 * patient, with the world coordinate of every grid line precomputed.
 * @module
 */
import type { Affine } from '../volume.js';

/** A synthetic scan's grid with world coordinates per index (the affine is diagonal). */
export interface SynthGrid {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly affine: Affine;
  /** RAS x (mm) of each i. */
  readonly x: Float64Array;
  /** RAS y (mm) of each j. */
  readonly y: Float64Array;
  /** RAS z (mm) of each k. */
  readonly z: Float64Array;
}

/**
 * Builds a grid of `dims` voxels of `spacing` mm: x = -spacing_i (i - c_i), y = -spacing_j (j - c_j),
 * z = zMin + spacing_k k.
 */
export function makeGrid(
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
  zMin: number,
): SynthGrid {
  const [ni, nj, nk] = dims;
  const [si, sj, sk] = spacing;
  const x0 = (si * (ni - 1)) / 2;
  const y0 = (sj * (nj - 1)) / 2;
  const affine: Affine = [
    [-si, 0, 0, x0],
    [0, -sj, 0, y0],
    [0, 0, sk, zMin],
    [0, 0, 0, 1],
  ];
  const x = new Float64Array(ni);
  const y = new Float64Array(nj);
  const z = new Float64Array(nk);
  for (let i = 0; i < ni; i++) x[i] = x0 - si * i;
  for (let j = 0; j < nj; j++) y[j] = y0 - sj * j;
  for (let k = 0; k < nk; k++) z[k] = zMin + sk * k;
  return { dims, spacing, affine, x, y, z };
}

/** The continuous voxel index of a world point on a grid (inverse of the diagonal affine). */
export function worldToIndex(g: SynthGrid, p: readonly [number, number, number]): [number, number, number] {
  return [
    (p[0] - g.affine[0][3]) / g.affine[0][0],
    (p[1] - g.affine[1][3]) / g.affine[1][1],
    (p[2] - g.affine[2][3]) / g.affine[2][2],
  ];
}
