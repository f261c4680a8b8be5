/**
 * Orientation of voxel axes in RAS+ space, as nibabel's `io_orientation` / `aff2axcodes`, and
 * reorienting a volume (permuting and flipping its voxels, updating its affine) to any axis
 * codes, for example the canonical `RAS` and back.
 * @module
 */
import { type Affine, createVolume, type Volume, type VoxelArray } from '../volume.js';
import { nearestOrthogonal } from './affine.js';

/** The direction a voxel axis points to: R(ight)/L(eft), A(nterior)/P(osterior), S(uperior)/I(nferior). */
export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

/** For each voxel axis i, j, k: the world axis it is closest to (0 = x, 1 = y, 2 = z) and its sign. */
export type Orientation = readonly [AxisOrientation, AxisOrientation, AxisOrientation];

/** One voxel axis's world axis and direction. */
export interface AxisOrientation {
  readonly axis: 0 | 1 | 2;
  readonly flip: 1 | -1;
}

const POSITIVE: readonly AxisCode[] = ['R', 'A', 'S'];
const NEGATIVE: readonly AxisCode[] = ['L', 'P', 'I'];

/**
 * nibabel's `io_orientation`: the world axis nearest each voxel axis, taken greedily in voxel
 * axis order from the orthogonal factor of the normalised 3x3 part (so shears and small
 * obliquity do not matter).
 * @throws RangeError when the affine is singular.
 */
export function ioOrientation(affine: Affine): Orientation {
  const col = (r: 0 | 1 | 2, c: number) => affine[r][c] as number;
  const zooms = [0, 1, 2].map((c) => Math.hypot(col(0, c), col(1, c), col(2, c)) || 1);
  const rs = [0, 1, 2].map((r) =>
    [0, 1, 2].map((c) => (affine[r]?.[c] as number) / (zooms[c] as number)),
  ) as [[number, number, number], [number, number, number], [number, number, number]];
  const det =
    rs[0][0] * (rs[1][1] * rs[2][2] - rs[1][2] * rs[2][1]) -
    rs[0][1] * (rs[1][0] * rs[2][2] - rs[1][2] * rs[2][0]) +
    rs[0][2] * (rs[1][0] * rs[2][1] - rs[1][1] * rs[2][0]);
  if (!(Math.abs(det) > 1e-12)) throw new RangeError('orientation: the affine is singular');
  const R = nearestOrthogonal(rs);
  const out: AxisOrientation[] = [];
  for (let c = 0; c < 3; c++) {
    let best = -1;
    let bestAbs = -1;
    for (let r = 0; r < 3; r++) {
      const v = Math.abs(R[r]?.[c] as number);
      if (v > bestAbs) {
        bestAbs = v;
        best = r;
      }
    }
    const value = R[best]?.[c] as number;
    out.push({ axis: best as 0 | 1 | 2, flip: value < 0 ? -1 : 1 });
    for (let k = 0; k < 3; k++) (R[best] as number[])[k] = 0;
  }
  return out as unknown as Orientation;
}

/** nibabel's `aff2axcodes`: e.g. `['L', 'P', 'S']` for a DICOM-like LPS volume. */
export function axisCodes(affine: Affine): [AxisCode, AxisCode, AxisCode] {
  return ioOrientation(affine).map((o) => (o.flip === 1 ? POSITIVE : NEGATIVE)[o.axis] as AxisCode) as [
    AxisCode,
    AxisCode,
    AxisCode,
  ];
}

/**
 * Parses axis codes such as `RAS`, `LPS` or `['P', 'L', 'I']`.
 * @throws RangeError unless there are three codes naming three different world axes.
 */
export function parseAxisCodes(codes: string | readonly string[]): [AxisCode, AxisCode, AxisCode] {
  const list = typeof codes === 'string' ? [...codes.toUpperCase()] : codes.map((c) => c.toUpperCase());
  const seen = new Set<number>();
  for (const c of list) {
    const axis = Math.max(POSITIVE.indexOf(c as AxisCode), NEGATIVE.indexOf(c as AxisCode));
    if (axis < 0 || seen.has(axis)) seen.add(-1);
    else seen.add(axis);
  }
  if (list.length !== 3 || seen.size !== 3 || seen.has(-1)) {
    throw new RangeError(
      `orientation: axis codes ${JSON.stringify(codes)} must name each of R/L, A/P, S/I once (e.g. "RAS")`,
    );
  }
  return list as [AxisCode, AxisCode, AxisCode];
}

/**
 * Permutes and flips a volume's voxels so that its axes point along `target` (default the
 * canonical `RAS`: i to the right, j anterior, k superior), and updates the affine so every
 * voxel keeps its world position. Reorienting back to `axisCodes(original.affine)` restores the
 * original data and affine exactly. Other properties of the volume (a NIfTI header, say) are
 * kept as they are.
 *
 * @param volume - the volume; not modified.
 * @param target - axis codes, default `RAS`.
 * @returns a new volume (the same one when it is already in `target` orientation).
 * @throws RangeError for bad codes or a singular affine.
 */
export function reorient<V extends Volume>(volume: V, target: string | readonly string[] = 'RAS'): V {
  const want = parseAxisCodes(target);
  const have = axisCodes(volume.affine);
  // For each source voxel axis: which target voxel axis it becomes and whether it is reversed.
  const perm: number[] = [];
  const flip: boolean[] = [];
  for (const code of have) {
    const axis = Math.max(POSITIVE.indexOf(code), NEGATIVE.indexOf(code));
    const t = want.findIndex((w) => Math.max(POSITIVE.indexOf(w), NEGATIVE.indexOf(w)) === axis);
    perm.push(t);
    flip.push(want[t] !== code);
  }
  if (perm.every((t, i) => t === i) && !flip.some(Boolean)) return volume;
  const src = volume.dims;
  const dims = [0, 0, 0] as [number, number, number];
  for (let a = 0; a < 3; a++) dims[perm[a] as number] = src[a] as number;
  // T maps new voxel indices to old ones: old_a = flip ? n_a - 1 - new_t : new_t.
  const T = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let a = 0; a < 3; a++) {
    const row = T[a] as number[];
    row[perm[a] as number] = flip[a] ? -1 : 1;
    row[3] = flip[a] ? (src[a] as number) - 1 : 0;
  }
  const A = volume.affine;
  const affine = A.map((r) =>
    [0, 1, 2, 3].map((c) => r.reduce((s, v, k) => s + v * ((T[k] as number[])[c] as number), 0)),
  ) as unknown as Affine;
  const data = permuteData(volume.data, src, perm, flip, dims);
  const v = createVolume(data, dims, affine);
  return { ...volume, data: v.data, dims: v.dims, affine: v.affine, spacing: v.spacing };
}

function permuteData(
  data: VoxelArray,
  src: readonly [number, number, number],
  perm: readonly number[],
  flip: readonly boolean[],
  dims: readonly [number, number, number],
): VoxelArray {
  const out = new (data.constructor as new (n: number) => VoxelArray)(data.length);
  // Stride in the output of one step along each source axis (negative when flipped).
  const outStride = [1, dims[0], dims[0] * dims[1]];
  const step = [0, 1, 2].map((a) => (flip[a] ? -1 : 1) * (outStride[perm[a] as number] as number));
  let base = 0;
  for (let a = 0; a < 3; a++)
    if (flip[a]) base += ((src[a] as number) - 1) * (outStride[perm[a] as number] as number);
  const [n0, n1, n2] = src;
  const [s0, s1, s2] = step as [number, number, number];
  let p = 0;
  for (let k = 0; k < n2; k++) {
    for (let j = 0; j < n1; j++) {
      let o = base + j * s1 + k * s2;
      for (let i = 0; i < n0; i++, o += s0) out[o] = data[p++] as number;
    }
  }
  return out;
}
