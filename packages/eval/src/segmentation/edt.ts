/**
 * Exact Euclidean distance transform with anisotropic voxel spacing, after Felzenszwalb and
 * Huttenlocher, "Distance Transforms of Sampled Functions", Theory of Computing 8 (2012):
 * the squared distance separates into three 1D lower-envelope-of-parabolas passes, one per
 * axis, each linear in the line length. Exact (no chamfer approximation), so it agrees with
 * `scipy.ndimage.distance_transform_edt(..., sampling=spacing)`.
 * @module
 */
import type { Triple } from './mask.js';

/**
 * Squared distance in mm^2 from the centre of every voxel to the centre of the nearest voxel
 * where `feature` is non-zero (0 on feature voxels). `Infinity` everywhere when there is no
 * feature voxel.
 * @param feature voxels, i fastest, `dims[0] * dims[1] * dims[2]` long.
 * @param dims voxel counts (ni, nj, nk).
 * @param spacing voxel size in mm along i, j, k.
 * @returns a new Float32Array (float32 keeps the squared integer distances of unit spacing
 *   exact up to 2^24 and halves the memory of whole-volume transforms); the 1D passes run in
 *   float64.
 */
export function squaredDistanceTransform(feature: Uint8Array, dims: Triple, spacing: Triple): Float32Array {
  const [ni, nj, nk] = dims;
  const n = ni * nj * nk;
  if (feature.length !== n)
    throw new RangeError(
      `distance transform: ${feature.length} voxels do not match dims [${dims.join(', ')}]`,
    );
  const d2 = new Float32Array(n);
  firstAxis(feature, d2, ni, nj * nk, spacing[0]);
  const maxLen = Math.max(ni, nj, nk);
  const f = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  // second axis (j): lines of stride ni
  if (nj > 1) {
    for (let k = 0; k < nk; k++) {
      for (let i = 0; i < ni; i++) {
        const base = i + ni * nj * k;
        for (let j = 0; j < nj; j++) f[j] = d2[base + ni * j] as number;
        envelope(f, nj, spacing[1], out, v, z);
        for (let j = 0; j < nj; j++) d2[base + ni * j] = out[j] as number;
      }
    }
  }
  // third axis (k): lines of stride ni * nj
  if (nk > 1) {
    const plane = ni * nj;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < nk; k++) f[k] = d2[p + plane * k] as number;
      envelope(f, nk, spacing[2], out, v, z);
      for (let k = 0; k < nk; k++) d2[p + plane * k] = out[k] as number;
    }
  }
  return d2;
}

/** Along i the input is binary, so two sweeps give each voxel its distance to the nearest feature in its row. */
function firstAxis(feature: Uint8Array, d2: Float32Array, ni: number, rows: number, s: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * ni;
    let last = -Infinity;
    for (let i = 0; i < ni; i++) {
      if (feature[base + i]) last = i;
      const d = (i - last) * s;
      d2[base + i] = d * d;
    }
    last = Infinity;
    for (let i = ni - 1; i >= 0; i--) {
      if (feature[base + i]) last = i;
      const d = (last - i) * s;
      const dd = d * d;
      if (dd < (d2[base + i] as number)) d2[base + i] = dd;
    }
  }
}

/**
 * The lower envelope of the parabolas `(x - q s)^2 + f[q]` sampled at `x = p s`: out[p] =
 * min_q (s (p - q))^2 + f[q]. Sites with infinite f are skipped (a line without any finite
 * site stays infinite).
 */
function envelope(
  f: Float64Array,
  n: number,
  s: number,
  out: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q] as number;
    if (fq === Infinity) continue;
    const xq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let x = 0;
    // z[0] is -Infinity, so the loop stops at k = 0 at the latest
    for (;;) {
      const r = v[k] as number;
      const xr = r * s;
      x = (fq + xq * xq - ((f[r] as number) + xr * xr)) / (2 * (xq - xr));
      if (x <= (z[k] as number)) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = x;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    const x = p * s;
    while ((z[j + 1] as number) < x) j++;
    const r = v[j] as number;
    const d = x - r * s;
    out[p] = d * d + (f[r] as number);
  }
}
