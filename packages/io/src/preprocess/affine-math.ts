/**
 * 4x4 affine arithmetic used by the geometric preprocessing steps to keep every volume's
 * voxel-to-RAS affine true after cropping, padding and resampling.
 * @module
 */
import type { Affine } from '../volume.js';

type Mutable4 = [number, number, number, number];
type MutableAffine = [Mutable4, Mutable4, Mutable4, Mutable4];

/** The product `a * b` (apply `b` first, then `a`). */
export function multiplyAffine(a: Affine, b: Affine): Affine {
  const out: MutableAffine = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let s = c === 3 ? ((a[r] as readonly number[])[3] as number) : 0;
      for (let k = 0; k < 3; k++)
        s += ((a[r] as readonly number[])[k] as number) * ((b[k] as readonly number[])[c] as number);
      (out[r] as Mutable4)[c] = s;
    }
  }
  return out;
}

/**
 * The inverse of an affine (its 3x3 part inverted by cofactors).
 * @throws RangeError when the 3x3 part is singular.
 */
export function invertAffine(m: Affine): Affine {
  const [a, b, c] = [m[0][0], m[0][1], m[0][2]];
  const [d, e, f] = [m[1][0], m[1][1], m[1][2]];
  const [g, h, i] = [m[2][0], m[2][1], m[2][2]];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-12))
    throw new RangeError(`affine: cannot invert a singular matrix (determinant ${det})`);
  const inv: [number, number, number][] = [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
  const t = [m[0][3], m[1][3], m[2][3]];
  const row = (r: 0 | 1 | 2): Mutable4 => {
    const v = inv[r] as [number, number, number];
    return [v[0], v[1], v[2], -(v[0] * (t[0] as number) + v[1] * (t[1] as number) + v[2] * (t[2] as number))];
  };
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

/** The affine mapping voxel coordinates `p` to `scale * p + offset` per axis. */
export function diagonalAffine(
  scale: readonly [number, number, number],
  offset: readonly [number, number, number],
): Affine {
  return [
    [scale[0], 0, 0, offset[0]],
    [0, scale[1], 0, offset[1]],
    [0, 0, scale[2], offset[2]],
    [0, 0, 0, 1],
  ];
}

/** The affine of a sub-grid whose voxel (0,0,0) is voxel `start` of the grid of `affine`. */
export function shiftAffine(affine: Affine, start: readonly [number, number, number]): Affine {
  return multiplyAffine(affine, diagonalAffine([1, 1, 1], start));
}

/** Applies an affine to a point. */
export function applyAffine(m: Affine, p: readonly [number, number, number]): [number, number, number] {
  const r = (row: readonly number[]) =>
    (row[0] as number) * p[0] + (row[1] as number) * p[1] + (row[2] as number) * p[2] + (row[3] as number);
  return [r(m[0]), r(m[1]), r(m[2])];
}
