/**
 * Binary masks as the metrics see them, and the geometry checks shared by every metric.
 * @module
 */
import type { Volume } from '@deepsc/io';

/** Voxel counts (ni, nj, nk) or voxel sizes in mm along i, j, k. */
export type Triple = readonly [number, number, number];

/**
 * Anything that looks like a mask: voxels with i fastest (index = i + ni * (j + nj * k)), their
 * counts and their size in mm. A `Volume` of `@deepsc/io` is one. Voxels > 0 are foreground.
 */
export type MaskLike = Pick<Volume, 'dims' | 'spacing'> & { readonly data: ArrayLike<number> };

/** A binarised mask: `data[v]` is 1 for foreground, 0 for background. */
export interface BinaryMask {
  readonly data: Uint8Array;
  readonly dims: Triple;
  readonly spacing: Triple;
}

/**
 * Binarises a mask: every voxel > 0 becomes 1 (so label maps count as "any label"); NaN is 0.
 * A `Uint8Array` already holding only 0 and 1 is reused, not copied.
 * @throws RangeError when the data length does not match the dims or the spacing is not positive.
 */
export function toBinaryMask(mask: MaskLike, name = 'mask'): BinaryMask {
  checkGeometry(mask, name);
  const src = mask.data;
  if (src instanceof Uint8Array && isZeroOne(src))
    return { data: src, dims: mask.dims, spacing: mask.spacing };
  const n = src.length;
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) out[v] = (src[v] as number) > 0 ? 1 : 0;
  return { data: out, dims: mask.dims, spacing: mask.spacing };
}

function isZeroOne(a: Uint8Array): boolean {
  for (let v = 0; v < a.length; v++) if ((a[v] as number) > 1) return false;
  return true;
}

/**
 * Checks that a mask's data matches its dims and its spacing is positive and finite.
 * @throws RangeError naming `name` and the bad value.
 */
export function checkGeometry(mask: MaskLike, name: string): void {
  const [ni, nj, nk] = mask.dims;
  if (![ni, nj, nk].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`${name}: dims must be three positive integers, got [${mask.dims.join(', ')}]`);
  }
  if (mask.data.length !== ni * nj * nk) {
    throw new RangeError(`${name}: ${mask.data.length} voxels do not match dims [${mask.dims.join(', ')}]`);
  }
  if (!mask.spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(
      `${name}: spacing must be three positive mm values, got [${mask.spacing.join(', ')}]`,
    );
  }
}

/**
 * Checks that two masks share dims and spacing (to 1e-4 mm, the precision NIfTI headers keep).
 * @throws RangeError naming both masks and both geometries.
 */
export function checkSameGrid(
  a: MaskLike,
  b: MaskLike,
  names: readonly [string, string] = ['prediction', 'truth'],
): void {
  checkGeometry(a, names[0]);
  checkGeometry(b, names[1]);
  const sameDims = a.dims.every((d, i) => d === b.dims[i]);
  const sameSpacing = a.spacing.every(
    (s, i) => Math.abs(s - (b.spacing[i] as number)) <= 1e-4 * Math.max(1, s),
  );
  if (!sameDims || !sameSpacing) {
    throw new RangeError(
      `${names[0]} (dims [${a.dims.join(', ')}], spacing [${a.spacing.join(', ')}] mm) and ${names[1]} ` +
        `(dims [${b.dims.join(', ')}], spacing [${b.spacing.join(', ')}] mm) are not on the same voxel grid; resample one onto the other first`,
    );
  }
}

/** Volume of one voxel in mm^3. */
export function voxelVolume(spacing: Triple): number {
  return spacing[0] * spacing[1] * spacing[2];
}
