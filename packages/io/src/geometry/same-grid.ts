/**
 * Whether two volumes lie on the same voxel grid: a mask belongs to an image only when both
 * have the same dims and the same voxel-to-world affine (so the same spacing, origin and
 * orientation), within a tolerance that absorbs the float32 rounding of NIfTI headers.
 * @module
 */
import type { Affine, Volume } from '../volume.js';

/**
 * Tolerances of {@link assertSameGrid}: an affine entry may differ by `mm` millimetres plus
 * `relative` of its magnitude. float32 headers keep about 7 significant digits (1e-5 relative
 * covers their rounding), and 1e-3 mm is far below any scanner's voxel size.
 */
export const GRID_TOLERANCE: Readonly<GridTolerance> = { mm: 1e-3, relative: 1e-5 };

/** How far two affine entries may differ: `mm` plus `relative` of the larger magnitude. */
export interface GridTolerance {
  mm: number;
  relative: number;
}

/** Two volumes (or a volume and a mask) that should share a grid and do not. */
export class GridMismatchError extends Error {
  /**
   * @param imagePath - the reference volume's file (or a description).
   * @param otherPath - the volume that does not fit it.
   * @param what - what differs, with both values.
   */
  constructor(
    readonly imagePath: string,
    readonly otherPath: string,
    readonly what: string,
  ) {
    super(`${otherPath} is not on the grid of ${imagePath}: ${what}`);
    this.name = 'GridMismatchError';
  }
}

/** The geometry two volumes must share to be compared voxel by voxel: dims and affine. */
export type VolumeGrid = Pick<Volume, 'dims' | 'affine'>;

const fmt = (v: readonly number[]) => `[${v.map((x) => +x.toPrecision(6)).join(', ')}]`;

/** What differs between the grids of `a` and `b` (empty when they match within tolerance). */
export function gridDifference(
  a: VolumeGrid,
  b: VolumeGrid,
  tolerance: Readonly<GridTolerance> = GRID_TOLERANCE,
): string {
  if (a.dims.some((d, i) => d !== b.dims[i])) return `dims ${fmt(b.dims)} vs ${fmt(a.dims)}`;
  for (let r = 0; r < 3; r++) {
    const ra = a.affine[r] as Affine[number];
    const rb = b.affine[r] as Affine[number];
    for (let c = 0; c < 4; c++) {
      const x = ra[c] as number;
      const y = rb[c] as number;
      if (!(Math.abs(x - y) <= tolerance.mm + tolerance.relative * Math.max(Math.abs(x), Math.abs(y))))
        return `affine row ${r} ${fmt(rb)} vs ${fmt(ra)} (spacing, origin or orientation differ)`;
    }
  }
  return '';
}

/**
 * Throws {@link GridMismatchError} naming both files when `other` is not on `image`'s grid
 * (dims, spacing, origin, orientation) within `tolerance`.
 */
export function assertSameGrid(
  image: VolumeGrid,
  imagePath: string,
  other: VolumeGrid,
  otherPath: string,
  tolerance: Readonly<GridTolerance> = GRID_TOLERANCE,
): void {
  const what = gridDifference(image, other, tolerance);
  if (what) throw new GridMismatchError(imagePath, otherPath, what);
}
