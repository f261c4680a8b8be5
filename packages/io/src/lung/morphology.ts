/**
 * Binary morphology with ball-shaped structuring elements of a radius in mm (built on the exact
 * distance transform, so the cost does not grow with the radius), and per-slice hole filling.
 * @module
 */

import type { Vec3 } from '../volume.js';
import { squaredDistanceToBackground } from './distance-transform.js';

/** Voxels within `radiusMm` of a non-zero voxel. */
export function dilate(mask: ArrayLike<number>, dims: Vec3, spacing: Vec3, radiusMm: number): Uint8Array {
  const inv = new Uint8Array(mask.length);
  for (let p = 0; p < inv.length; p++) inv[p] = mask[p] === 0 ? 1 : 0;
  const d = squaredDistanceToBackground(inv, dims, spacing);
  const r2 = radiusMm * radiusMm + 1e-6;
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = (d[p] as number) <= r2 ? 1 : 0;
  return out;
}

/** Voxels whose whole ball of `radiusMm` lies in the mask (the volume's outside counts as mask). */
export function erode(mask: ArrayLike<number>, dims: Vec3, spacing: Vec3, radiusMm: number): Uint8Array {
  const d = squaredDistanceToBackground(mask, dims, spacing);
  const r2 = radiusMm * radiusMm + 1e-6;
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = (d[p] as number) > r2 ? 1 : 0;
  return out;
}

/** Dilation then erosion: closes gaps and notches narrower than about twice the radius. */
export function close(mask: ArrayLike<number>, dims: Vec3, spacing: Vec3, radiusMm: number): Uint8Array {
  return erode(dilate(mask, dims, spacing, radiusMm), dims, spacing, radiusMm);
}

/**
 * Fills, slice by slice along k, every background region not 4-connected to the slice border
 * (vessels and nodules enclosed by lung in that slice).
 * @returns a new mask.
 */
export function fillHolesPerSlice(mask: ArrayLike<number>, dims: Vec3): Uint8Array {
  const [ni, nj, nk] = dims;
  const out = new Uint8Array(mask.length);
  const reached = new Uint8Array(ni * nj);
  const stack = new Int32Array(ni * nj);
  for (let k = 0; k < nk; k++) {
    const base = ni * nj * k;
    reached.fill(0);
    let top = 0;
    const seed = (q: number) => {
      if (mask[base + q] === 0 && reached[q] === 0) {
        reached[q] = 1;
        stack[top++] = q;
      }
    };
    for (let i = 0; i < ni; i++) {
      seed(i);
      seed(i + ni * (nj - 1));
    }
    for (let j = 0; j < nj; j++) {
      seed(ni * j);
      seed(ni - 1 + ni * j);
    }
    while (top > 0) {
      const q = stack[--top] as number;
      const i = q % ni;
      const j = (q - i) / ni;
      if (i > 0) seed(q - 1);
      if (i < ni - 1) seed(q + 1);
      if (j > 0) seed(q - ni);
      if (j < nj - 1) seed(q + ni);
    }
    for (let q = 0; q < ni * nj; q++) out[base + q] = reached[q] === 1 ? 0 : 1;
  }
  return out;
}
