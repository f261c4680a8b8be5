/**
 * NIfTI header geometry to and from the 4x4 voxel-to-RAS+ affine, exactly as nibabel's
 * `Nifti1Header.get_best_affine` and `set_qform` / `set_sform` do.
 * @module
 */
import { FormatError } from '../format-error.js';
import type { Affine } from '../volume.js';
import type { NiftiHeader } from './header.js';

/** A 3x3 matrix, row-major. */
export type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];

/** Rotation matrix of the unit quaternion (w, x, y, z), as nibabel's `quat2mat`. */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): Mat3 {
  const n = w * w + x * x + y * y + z * z;
  if (n < Number.EPSILON) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / n;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [x * X, x * Y, x * Z];
  const [yY, yZ, zZ] = [y * Y, y * Z, z * Z];
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/**
 * The affine from the qform: quaternion (b, c, d) with a = sqrt(1 - b² - c² - d²), voxel
 * sizes pixdim[1..3], qfac = pixdim[0] flipping the third axis, offsets qoffset_x/y/z.
 * @throws FormatError when b² + c² + d² exceeds 1 beyond rounding, or qfac is not ±1.
 */
export function qformAffine(h: NiftiHeader, what = 'nifti'): Affine {
  const [b, c, d] = [h.quaternB, h.quaternC, h.quaternD];
  // nibabel's fillpositive with the threshold set by the precision of the stored floats
  const threshold = -3 * (h.version === 1 ? 2 ** -23 : Number.EPSILON);
  const w2 = 1 - (b * b + c * c + d * d);
  if (!Number.isFinite(w2) || w2 < threshold) {
    throw new FormatError(
      'nifti',
      `${what}: qform quaternion (b, c, d) = (${b}, ${c}, ${d}) is not a rotation (b²+c²+d² > 1)`,
    );
  }
  const a = w2 < 0 ? 0 : Math.sqrt(w2);
  const R = quaternionToMatrix(a, b, c, d);
  const vox = [h.pixdim[1] ?? 1, h.pixdim[2] ?? 1, h.pixdim[3] ?? 1];
  const qfac = h.pixdim[0];
  if (vox.some((v) => v < 0))
    throw new FormatError('nifti', `${what}: pixdim[1..3] = [${vox.join(', ')}] must be positive`);
  if (qfac !== 1 && qfac !== -1)
    throw new FormatError('nifti', `${what}: qfac (pixdim[0]) is ${qfac}, expected 1 or -1`);
  vox[2] = (vox[2] as number) * qfac;
  const row = (r: 0 | 1 | 2, t: number) =>
    [R[r][0] * (vox[0] as number), R[r][1] * (vox[1] as number), R[r][2] * (vox[2] as number), t] as const;
  return [row(0, h.qoffsetX), row(1, h.qoffsetY), row(2, h.qoffsetZ), [0, 0, 0, 1]];
}

/** The affine from the sform rows srow_x/y/z. */
export function sformAffine(h: NiftiHeader): Affine {
  const r = (s: readonly number[]) => [s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 0] as const;
  return [r(h.srowX), r(h.srowY), r(h.srowZ), [0, 0, 0, 1]];
}

/**
 * The fallback ("base") affine when neither sform nor qform is set, as nibabel's
 * `shape_zoom_affine(dim, pixdim, x_flip=True)`: voxel sizes on the diagonal with x negated,
 * the image centre at the origin.
 */
export function baseAffine(h: NiftiHeader): Affine {
  const n = Math.max(0, Math.min(7, h.dim[0] ?? 3));
  const shape = [1, 2, 3].map((i) => (i <= n ? (h.dim[i] ?? 1) : 1));
  const zooms = [1, 2, 3].map((i) => (i <= n ? (h.pixdim[i] ?? 1) : 1));
  zooms[0] = -(zooms[0] as number);
  const t = (i: number) => (-((shape[i] as number) - 1) / 2) * (zooms[i] as number);
  return [
    [zooms[0] as number, 0, 0, t(0)],
    [0, zooms[1] as number, 0, t(1)],
    [0, 0, zooms[2] as number, t(2)],
    [0, 0, 0, 1],
  ];
}

/** Which header geometry an affine came from. */
export type AffineSource = 'sform' | 'qform' | 'base';

/**
 * nibabel's `get_best_affine`: the sform when `sform_code` is not 0, else the qform when
 * `qform_code` is not 0, else the base affine.
 * @throws FormatError from {@link qformAffine}.
 */
export function bestAffine(h: NiftiHeader, what = 'nifti'): { affine: Affine; source: AffineSource } {
  if (h.sformCode !== 0) return { affine: sformAffine(h), source: 'sform' };
  if (h.qformCode !== 0) return { affine: qformAffine(h, what), source: 'qform' };
  return { affine: baseAffine(h), source: 'base' };
}

function det3(m: Mat3): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

function invTranspose3(m: Mat3): Mat3 {
  const d = det3(m);
  const c = (r0: number, r1: number, c0: number, c1: number) =>
    ((m[r0] as number[])[c0] as number) * ((m[r1] as number[])[c1] as number) -
    ((m[r0] as number[])[c1] as number) * ((m[r1] as number[])[c0] as number);
  // cofactor matrix divided by the determinant = inverse transposed
  return [
    [c(1, 2, 1, 2) / d, -c(1, 2, 0, 2) / d, c(1, 2, 0, 1) / d],
    [-c(0, 2, 1, 2) / d, c(0, 2, 0, 2) / d, -c(0, 2, 0, 1) / d],
    [c(0, 1, 1, 2) / d, -c(0, 1, 0, 2) / d, c(0, 1, 0, 1) / d],
  ];
}

/**
 * The orthogonal factor of the polar decomposition of a non-singular 3x3 matrix (the closest
 * orthogonal matrix, as `P @ Qs` of an SVD), by Newton's iteration X <- (X + X^-T) / 2.
 */
export function nearestOrthogonal(m: Mat3): Mat3 {
  let x: Mat3 = m.map((r) => [...r]) as Mat3;
  for (let it = 0; it < 100; it++) {
    const y = invTranspose3(x);
    let delta = 0;
    const next = x.map((r, i) =>
      r.map((v, j) => {
        const n = 0.5 * (v + ((y[i] as number[])[j] as number));
        delta = Math.max(delta, Math.abs(n - v));
        return n;
      }),
    ) as Mat3;
    x = next;
    if (delta < 1e-15) break;
  }
  return x;
}

/**
 * Unit quaternion (w, x, y, z) with w >= 0 of a rotation matrix (Shepperd's method, stable
 * for every rotation).
 */
export function matrixToQuaternion(R: Mat3): [number, number, number, number] {
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = R;
  const tr = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    q = [0.25 * s, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [(m21 - m12) / s, 0.25 * s, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m02 - m20) / s, (m01 + m10) / s, 0.25 * s, (m12 + m21) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, 0.25 * s];
  }
  const n = Math.hypot(...q);
  const sign = q[0] < 0 ? -1 : 1;
  return q.map((v) => (sign * v) / n) as [number, number, number, number];
}

/** The qform fields that encode an affine (shears, if any, are dropped as nibabel does). */
export interface QformFields {
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  /** pixdim[0] */
  qfac: 1 | -1;
  /** pixdim[1..3]: the voxel sizes. */
  zooms: [number, number, number];
}

/**
 * The qform parameters of an affine, like nibabel's `set_qform(affine, strip_shears=True)`:
 * zooms are the column lengths, a negative determinant becomes qfac = -1, and the rotation
 * is the closest orthogonal matrix to the normalised 3x3 part.
 * @throws RangeError when the affine is singular.
 */
export function affineToQform(affine: Affine): QformFields {
  const M: Mat3 = [
    [affine[0][0], affine[0][1], affine[0][2]],
    [affine[1][0], affine[1][1], affine[1][2]],
    [affine[2][0], affine[2][1], affine[2][2]],
  ];
  const zooms = [0, 1, 2].map((c) => Math.hypot(M[0][c] as number, M[1][c] as number, M[2][c] as number)) as [
    number,
    number,
    number,
  ];
  if (zooms.some((z) => !(z > 0)))
    throw new RangeError(`nifti: the affine is singular (voxel size [${zooms.join(', ')}])`);
  const R = M.map((r) => r.map((v, c) => v / (zooms[c] as number))) as Mat3;
  let qfac: 1 | -1 = 1;
  if (det3(R) < 0) {
    qfac = -1;
    for (const r of R) r[2] = -r[2];
  }
  const [w, x, y, z] = matrixToQuaternion(nearestOrthogonal(R));
  void w;
  return {
    quaternB: x,
    quaternC: y,
    quaternD: z,
    qoffsetX: affine[0][3],
    qoffsetY: affine[1][3],
    qoffsetZ: affine[2][3],
    qfac,
    zooms,
  };
}
