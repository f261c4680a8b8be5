/**
 * The volume type every step of `@deepsc/io` passes along: voxels, their geometry and nothing
 * else.
 *
 * Axis convention: voxel indices (i, j, k) as in NIfTI, i fastest in memory. Read as a
 * row-major tensor the same buffer is `[nk, nj, ni]` = `[D, H, W]`, which is exactly the
 * NCDHW layout of `@deepsc/core` (k = slices = D). {@link tensorShape} gives that shape.
 * @module
 */

/** Typed arrays a volume may hold. */
export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** Three numbers along i, j, k (voxel counts, sizes, offsets) or x, y, z. */
export type Vec3 = readonly [number, number, number];

/** A 4x4 matrix, row-major, mapping voxel (i, j, k, 1) to RAS+ millimetres (x, y, z, 1). */
export type Affine = readonly [
  readonly [number, number, number, number],
  readonly [number, number, number, number],
  readonly [number, number, number, number],
  readonly [number, number, number, number],
];

/** A 3D image with its geometry. */
export interface Volume<T extends VoxelArray = VoxelArray> {
  /** Voxels, i fastest: index = i + ni * (j + nj * k). */
  readonly data: T;
  /** Voxel counts along i, j, k. */
  readonly dims: readonly [number, number, number];
  /** Voxel to RAS+ mm. */
  readonly affine: Affine;
  /** Voxel size in mm along i, j, k: the lengths of the affine's first three columns. */
  readonly spacing: readonly [number, number, number];
}

/** The identity affine scaled by `spacing` (and shifted by `origin`). */
export function scaledAffine(
  spacing: readonly [number, number, number],
  origin: readonly [number, number, number] = [0, 0, 0],
): Affine {
  return [
    [spacing[0], 0, 0, origin[0]],
    [0, spacing[1], 0, origin[1]],
    [0, 0, spacing[2], origin[2]],
    [0, 0, 0, 1],
  ];
}

/** Column lengths of the affine's 3x3 part: the voxel size in mm along i, j, k. */
export function spacingOf(affine: Affine): [number, number, number] {
  const col = (c: 0 | 1 | 2) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]);
  return [col(0), col(1), col(2)];
}

/**
 * Makes a volume, checking that the data length matches the dims and the affine is finite
 * and invertible.
 * @throws RangeError naming the bad value.
 */
export function createVolume<T extends VoxelArray>(
  data: T,
  dims: readonly [number, number, number],
  affine: Affine = scaledAffine([1, 1, 1]),
): Volume<T> {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1)
      throw new RangeError(`volume: dims must be positive integers, got [${dims.join(', ')}]`);
  }
  const [ni, nj, nk] = dims;
  const n = ni * nj * nk;
  if (data.length !== n) {
    throw new RangeError(
      `volume: ${data.length} voxels do not match dims [${dims.join(', ')}] (${n} voxels)`,
    );
  }
  if (!affine.every((row) => row.length === 4 && row.every(Number.isFinite))) {
    throw new RangeError('volume: the affine must be a 4x4 matrix of finite numbers');
  }
  const spacing = spacingOf(affine);
  if (spacing.some((s) => !(s > 0)))
    throw new RangeError(`volume: the affine is singular (voxel size [${spacing.join(', ')}])`);
  return { data, dims: [ni, nj, nk], affine, spacing };
}

/** The row-major tensor shape `[D, H, W]` = `[nk, nj, ni]` of a volume's buffer. */
export function tensorShape(v: Pick<Volume, 'dims'>): [number, number, number] {
  return [v.dims[2], v.dims[1], v.dims[0]];
}

/** RAS+ mm of voxel (i, j, k). */
export function voxelToWorld(affine: Affine, i: number, j: number, k: number): [number, number, number] {
  const r = (row: readonly number[]) =>
    (row[0] as number) * i + (row[1] as number) * j + (row[2] as number) * k + (row[3] as number);
  return [r(affine[0]), r(affine[1]), r(affine[2])];
}
