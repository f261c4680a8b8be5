/**
 * The volume a NIfTI reader returns: a {@link Volume} that also carries the header it came
 * from, so that writing it back keeps the header's other fields.
 * @module
 */
import type { Volume, VoxelArray } from '../volume.js';
import type { AffineSource } from './affine.js';
import type { NiftiHeader } from './header.js';

/** A volume read from a NIfTI file. Any `Volume` function accepts it. */
export interface NiftiVolume<T extends VoxelArray = VoxelArray> extends Volume<T> {
  /** The file's header, with nibabel's load-time fixes applied (see `warnings`). */
  readonly header: NiftiHeader;
  /**
   * `applied`: `data` holds raw * scl_slope + scl_inter (or the raw values when the header has
   * no scaling). `raw`: `data` holds the stored values and `header.sclSlope/sclInter` still
   * apply; writing such a volume back keeps them.
   */
  readonly scaling: 'applied' | 'raw';
  /** Which header geometry gave `affine`. */
  readonly affineSource: AffineSource;
  /** Problems found and fixed or worked around while reading, one sentence each. */
  readonly warnings: readonly string[];
}
