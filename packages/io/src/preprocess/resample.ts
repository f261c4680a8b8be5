/**
 * Resampling to a voxel spacing or to a grid shape, keeping world positions right.
 *
 * The new grid covers the same field of view as the old one (the outer faces of the voxels, as
 * PyTorch's `align_corners=False`), centred on the same point: new voxel `i'` lies at old
 * continuous voxel coordinate `c + f (i' - (n' - 1) / 2)` with `c = (n - 1) / 2` and
 * `f = n / n'` (shape) or `newSpacing / oldSpacing` (spacing). The new affine is the old affine
 * times that map, so every new voxel centre has the world position its value was sampled at.
 * Samples beyond the outermost voxel centres repeat the edge voxel.
 *
 * This is DeepSC's one host-side trilinear resampling: `resampleToShape` is PyTorch's
 * `F.interpolate(..., mode='trilinear', align_corners=False)` (the same sample positions as the
 * native `resize` op and the networks' resampling matrices), computed in one pass per output
 * voxel in double precision and rounded once to float32. The networks' packages resample bare
 * arrays through it (`@deepsc/deepsc-covid`'s `resample3d`).
 * @module
 */
import { DEFAULT_MAX_BYTES } from '../fs/gzip.js';
import { createVolume, type Vec3, type Volume, type VoxelArray } from '../volume.js';
import { diagonalAffine, multiplyAffine } from './affine-math.js';
import { allocLike, checkInterpolation, type Interpolation } from './interpolation.js';

/** Options of the resampling functions. */
export interface ResampleOptions {
  /** `linear` for images (output Float32), `nearest` for labels (output keeps the input type). Default `linear`. */
  readonly interpolation?: Interpolation;
}

/**
 * Resamples to a voxel spacing in mm. The new dims are `round(dims * spacing / newSpacing)`
 * (at least 1), and the field of view keeps its centre.
 *
 * @param volume - the volume.
 * @param spacing - target voxel size in mm along i, j, k.
 * @param options - interpolation, default `linear`.
 * @throws RangeError for a non-positive spacing, a bad interpolation, or a new grid over
 * `DEFAULT_MAX_BYTES` (2 GiB: a spacing of 0.001 mm, say).
 */
export function resampleToSpacing<T extends VoxelArray>(
  volume: Volume<T>,
  spacing: Vec3,
  options: ResampleOptions = {},
): Volume<T | Float32Array> {
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError(
      `resampleToSpacing: spacing must be three positive mm values, got [${spacing.join(', ')}]`,
    );
  }
  const dims = [0, 1, 2].map((a) =>
    Math.max(
      1,
      Math.round(((volume.dims[a] as number) * (volume.spacing[a] as number)) / (spacing[a] as number)),
    ),
  ) as unknown as Vec3;
  const f = [0, 1, 2].map((a) => (spacing[a] as number) / (volume.spacing[a] as number)) as unknown as Vec3;
  return resampleAxisAligned(volume, dims, f, options.interpolation ?? 'linear');
}

/**
 * Resamples to a grid shape (dims along i, j, k), covering the same field of view; the voxel
 * size becomes `spacing * dims / newDims`.
 *
 * @param volume - the volume.
 * @param dims - target voxel counts along i, j, k (the paper's 48x256x256 D x H x W is `[256, 256, 48]`).
 * @param options - interpolation, default `linear`.
 * @throws RangeError for dims that are not positive integers, a bad interpolation, or a grid over
 * `DEFAULT_MAX_BYTES` (2 GiB).
 */
export function resampleToShape<T extends VoxelArray>(
  volume: Volume<T>,
  dims: Vec3,
  options: ResampleOptions = {},
): Volume<T | Float32Array> {
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`resampleToShape: dims must be three positive integers, got [${dims.join(', ')}]`);
  }
  const f = [0, 1, 2].map((a) => (volume.dims[a] as number) / (dims[a] as number)) as unknown as Vec3;
  return resampleAxisAligned(volume, dims, f, options.interpolation ?? 'linear');
}

interface AxisTable {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w: Float32Array;
}

function axisTable(nOld: number, nNew: number, f: number, mode: Interpolation): AxisTable {
  const i0 = new Int32Array(nNew);
  const i1 = new Int32Array(nNew);
  const w = new Float32Array(nNew);
  const c = (nOld - 1) / 2;
  const cNew = (nNew - 1) / 2;
  for (let q = 0; q < nNew; q++) {
    const x = Math.min(nOld - 1, Math.max(0, c + f * (q - cNew)));
    if (mode === 'nearest') {
      // round half up, with a tolerance so exact half-way points do not flip with rounding error
      const r = Math.min(nOld - 1, Math.floor(x + 0.5 + 1e-9));
      i0[q] = r;
      i1[q] = r;
    } else {
      const lo = Math.floor(x);
      const hi = Math.min(nOld - 1, lo + 1);
      i0[q] = lo;
      i1[q] = hi;
      w[q] = x - lo;
    }
  }
  return { i0, i1, w };
}

function resampleAxisAligned<T extends VoxelArray>(
  volume: Volume<T>,
  dims: Vec3,
  f: Vec3,
  mode: Interpolation,
): Volume<T | Float32Array> {
  checkInterpolation(mode);
  const [ni, nj, nk] = volume.dims;
  const [mi, mj, mk] = dims;
  const bytes = mi * mj * mk * (mode === 'nearest' ? volume.data.BYTES_PER_ELEMENT : 4);
  if (bytes > DEFAULT_MAX_BYTES)
    throw new RangeError(
      `resample: the new grid [${dims.join(', ')}] needs ${bytes} bytes, more than the limit of ${DEFAULT_MAX_BYTES} (is the target spacing or shape in the right units?)`,
    );
  const ti = axisTable(ni, mi, f[0], mode);
  const tj = axisTable(nj, mj, f[1], mode);
  const tk = axisTable(nk, mk, f[2], mode);
  const src = volume.data;
  const n = mi * mj * mk;
  const offset = [0, 1, 2].map(
    (a) => ((volume.dims[a] as number) - 1) / 2 - (f[a] as number) * (((dims[a] as number) - 1) / 2),
  ) as unknown as Vec3;
  const affine = multiplyAffine(volume.affine, diagonalAffine(f, offset));
  if (dims.every((d, a) => d === volume.dims[a]) && f.every((x) => x === 1)) {
    // the same grid: a copy (what the interpolation gives for finite values, with no pass over
    // the neighbours, so a NaN or an infinity stays in its own voxel)
    const out = allocLike(mode === 'nearest' ? src : 'float32', n);
    out.set(src);
    return createVolume(out, dims, affine);
  }
  if (mode === 'nearest') {
    const out = allocLike(src, n);
    let o = 0;
    for (let k = 0; k < mk; k++) {
      const bk = (tk.i0[k] as number) * ni * nj;
      for (let j = 0; j < mj; j++) {
        const bj = bk + (tj.i0[j] as number) * ni;
        for (let i = 0; i < mi; i++) out[o++] = src[bj + (ti.i0[i] as number)] as number;
      }
    }
    return createVolume(out, dims, affine);
  }
  const out = allocLike('float32', n) as Float32Array;
  let o = 0;
  for (let k = 0; k < mk; k++) {
    const k0 = (tk.i0[k] as number) * ni * nj;
    const k1 = (tk.i1[k] as number) * ni * nj;
    const wk = tk.w[k] as number;
    for (let j = 0; j < mj; j++) {
      const j0 = (tj.i0[j] as number) * ni;
      const j1 = (tj.i1[j] as number) * ni;
      const wj = tj.w[j] as number;
      const b00 = k0 + j0;
      const b01 = k0 + j1;
      const b10 = k1 + j0;
      const b11 = k1 + j1;
      for (let i = 0; i < mi; i++) {
        const a = ti.i0[i] as number;
        const b = ti.i1[i] as number;
        const wi = ti.w[i] as number;
        const c00 = (src[b00 + a] as number) + wi * ((src[b00 + b] as number) - (src[b00 + a] as number));
        const c01 = (src[b01 + a] as number) + wi * ((src[b01 + b] as number) - (src[b01 + a] as number));
        const c10 = (src[b10 + a] as number) + wi * ((src[b10 + b] as number) - (src[b10 + a] as number));
        const c11 = (src[b11 + a] as number) + wi * ((src[b11 + b] as number) - (src[b11 + a] as number));
        const c0 = c00 + wj * (c01 - c00);
        const c1 = c10 + wj * (c11 - c10);
        out[o++] = c0 + wk * (c1 - c0);
      }
    }
  }
  return createVolume(out, dims, affine);
}
