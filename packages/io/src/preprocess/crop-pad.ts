/**
 * Cropping and padding on the voxel grid. The affine is shifted so that every kept voxel keeps
 * its world position; padded voxels get their own world positions on the extended grid.
 * @module
 */
import { createVolume, type Vec3, type Volume, type VoxelArray } from '../volume.js';
import { shiftAffine } from './affine-math.js';
import { allocLike } from './interpolation.js';

/** A box on the voxel grid: the first voxel and the voxel counts along i, j, k. */
export interface VoxelBox {
  /** Index of the first voxel along i, j, k (may be negative or beyond the volume: padding). */
  readonly start: Vec3;
  /** Voxel counts along i, j, k (positive). */
  readonly size: Vec3;
}

/**
 * Extracts the box `start .. start + size` from the volume; parts of the box outside the volume
 * are filled with `padValue`. The output's voxel (0,0,0) is the input's voxel `start`.
 *
 * @param volume - the volume.
 * @param box - the box (integers; `size` positive).
 * @param padValue - value for voxels outside the input; default 0.
 * @throws RangeError for non-integer or non-positive box values.
 */
export function cropOrPad<T extends VoxelArray>(volume: Volume<T>, box: VoxelBox, padValue = 0): Volume<T> {
  const { start, size } = box;
  if (
    start.length !== 3 ||
    size.length !== 3 ||
    start.some((s) => !Number.isInteger(s)) ||
    size.some((s) => !Number.isInteger(s) || s < 1)
  ) {
    throw new RangeError(
      `cropOrPad: need integer start and positive integer size, got start [${start.join(', ')}] size [${size.join(', ')}]`,
    );
  }
  const [ni, nj, nk] = volume.dims;
  const [si, sj, sk] = size;
  const out = allocLike(volume.data, si * sj * sk);
  if (padValue !== 0) out.fill(padValue);
  const src = volume.data;
  // overlap in output coordinates
  const i0 = Math.max(0, -start[0]);
  const i1 = Math.min(si, ni - start[0]);
  const j0 = Math.max(0, -start[1]);
  const j1 = Math.min(sj, nj - start[1]);
  const k0 = Math.max(0, -start[2]);
  const k1 = Math.min(sk, nk - start[2]);
  if (i1 > i0) {
    for (let k = k0; k < k1; k++) {
      for (let j = j0; j < j1; j++) {
        const so = start[0] + ni * (start[1] + j + nj * (start[2] + k));
        const oo = si * (j + sj * k);
        out.set(src.subarray(so + i0, so + i1), oo + i0);
      }
    }
  }
  return createVolume(out, size, shiftAffine(volume.affine, start));
}

/**
 * Pads a volume by `before` voxels at the low end and `after` voxels at the high end of each axis.
 * @param padValue - fill value; default 0 (use -1024 or the window minimum for CT in HU).
 * @throws RangeError for negative or non-integer amounts.
 */
export function padVolume<T extends VoxelArray>(
  volume: Volume<T>,
  before: Vec3,
  after: Vec3,
  padValue = 0,
): Volume<T> {
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
    throw new RangeError(
      `padVolume: padding must be non-negative integers, got before [${before.join(', ')}] after [${after.join(', ')}]`,
    );
  }
  const size = [0, 1, 2].map(
    (a) => (volume.dims[a] as number) + (before[a] as number) + (after[a] as number),
  ) as unknown as Vec3;
  return cropOrPad(volume, { start: [-before[0], -before[1], -before[2]], size }, padValue);
}

/**
 * Crops or pads each axis symmetrically to `size` (an odd difference puts the extra voxel at the
 * high end), the usual way to bring scans to a network's fixed input size.
 * @throws RangeError for a size that is not three positive integers.
 */
export function centerCropOrPad<T extends VoxelArray>(
  volume: Volume<T>,
  size: Vec3,
  padValue = 0,
): Volume<T> {
  const start = [0, 1, 2].map((a) =>
    Math.floor(((volume.dims[a] as number) - (size[a] as number)) / 2),
  ) as unknown as Vec3;
  return cropOrPad(volume, { start, size }, padValue);
}

/**
 * A mask on a grid of `dims` voxels (any array of numbers) as a volume with the identity
 * geometry, for {@link cropOrPad} and the patch sampler, where only voxel positions matter.
 * A typed array is used as it is, anything else copied to a Float32Array.
 * @throws RangeError when the data's length does not match `dims`.
 */
export function maskVolume(data: ArrayLike<number>, dims: Vec3): Volume<VoxelArray> {
  return createVolume(ArrayBuffer.isView(data) ? (data as VoxelArray) : Float32Array.from(data), dims);
}

/** The box of `mask` as 0/1 floats: 1 where its voxel is > 0, 0 elsewhere and in the padding. */
export function cropMask(mask: Volume, box: VoxelBox): Float32Array {
  const v = cropOrPad(mask, box, 0).data;
  const out = new Float32Array(v.length);
  for (let o = 0; o < v.length; o++) out[o] = (v[o] as number) > 0 ? 1 : 0;
  return out;
}
