/**
 * A NIfTI header described from its fields alone, for people (`deepsc inspect`): every
 * dimension (a 4D series too), the stored datatype (an unsupported one too), voxel sizes and
 * units, the affine the reader would use, scaling, intent and the descriptive fields. Nothing
 * here needs the voxels, so a file whose voxels cannot be loaded can still be described.
 * @module
 */

import { NIFTI_DATATYPES, UNSUPPORTED_DATATYPE_NAMES } from './datatypes.js';
import type { NiftiHeader } from './header.js';
import { axisCodes } from './orientation.js';
import { chooseAffine, fixNiftiHeader } from './read.js';

/** What {@link describeNiftiHeader} says about a header. */
export interface NiftiHeaderDescription {
  readonly version: 1 | 2;
  readonly byteOrder: 'little' | 'big';
  /** The size of every dimension (`dim[1..dim[0]]`): a 4D series has four. */
  readonly dims: number[];
  /** 3D volumes held (the product of dims 4 to 7; 1 for a 3D image). */
  readonly volumes: number;
  /** `pixdim[1..dim[0]]`: voxel sizes, then the time step (or other units) of dims 4 to 7. */
  readonly voxelSize: number[];
  /** The space and time units of `xyzt_units` (`mm`, `s`...; `unknown` for 0). */
  readonly units: { readonly space: string; readonly time: string };
  /** The stored datatype: its code, name and whether this library can read its voxels. */
  readonly datatype: {
    readonly code: number;
    readonly name: string;
    readonly bitpix: number;
    readonly supported: boolean;
  };
  /** Byte offset of the voxels. */
  readonly voxOffset: number;
  /** Bytes of extension blocks between the header and the voxels. */
  readonly extensionBytes: number;
  /** `scl_slope` / `scl_inter` when they change values, else null. */
  readonly scaling: { readonly slope: number; readonly inter: number } | null;
  /** The voxel-to-RAS+ affine the reader would use, its source, and its axis codes; null when no affine can be made. */
  readonly affine: number[][] | null;
  readonly affineSource: 'sform' | 'qform' | 'base' | null;
  readonly axisCodes: string | null;
  readonly qformCode: number;
  readonly sformCode: number;
  readonly intent: { readonly code: number; readonly name: string; readonly params: number[] };
  readonly descrip: string;
  readonly auxFile: string;
  readonly calRange: [number, number];
  readonly toffset: number;
  readonly slice: {
    readonly code: number;
    readonly start: number;
    readonly end: number;
    readonly duration: number;
  };
  /** What the reader would fix or refuse, in words. */
  readonly warnings: string[];
}

const SPACE_UNITS: Readonly<Record<number, string>> = { 0: 'unknown', 1: 'm', 2: 'mm', 3: 'um' };
const TIME_UNITS: Readonly<Record<number, string>> = {
  0: 'unknown',
  8: 's',
  16: 'ms',
  24: 'us',
  32: 'Hz',
  40: 'ppm',
  48: 'rad/s',
};

/**
 * Describes a header. Never throws for a header {@link parseNiftiHeader} accepted: what the
 * reader would refuse (no valid dims, an unsupported datatype, a qform that is not a rotation)
 * is stated in `warnings` instead.
 *
 * @param h - the header, as read.
 * @param what - how to name the file in warnings; default `nifti`.
 */
export function describeNiftiHeader(h: NiftiHeader, what = 'nifti'): NiftiHeaderDescription {
  const warnings: string[] = [];
  const ndim = h.dim[0] as number;
  const n = Number.isInteger(ndim) && ndim >= 1 && ndim <= 7 ? ndim : 0;
  if (n === 0) warnings.push(`${what}: dim[0] is ${ndim}, expected 1 to 7 dimensions`);
  const dims = h.dim.slice(1, n + 1);
  const volumes = dims.slice(3).reduce((a, b) => a * b, 1);
  const supported = Object.values(NIFTI_DATATYPES).find((d) => d.code === h.datatype);
  const name = supported?.name ?? UNSUPPORTED_DATATYPE_NAMES[h.datatype] ?? 'not a NIfTI datatype';
  if (!supported)
    warnings.push(`${what}: datatype ${h.datatype} (${name}) is not supported: its voxels cannot be read`);
  if (volumes > 1) warnings.push(`${what}: holds ${volumes} volumes (dims [${dims.join(', ')}])`);
  let affine: number[][] | null = null;
  let affineSource: NiftiHeaderDescription['affineSource'] = null;
  try {
    const fixed = fixNiftiHeader(h, supported?.bytes ?? Math.max(1, Math.floor(h.bitpix / 8)), what);
    warnings.push(...fixed.warnings);
    const chosen = chooseAffine(fixed.header, what, warnings);
    affine = chosen.affine.map((r) => [...r]);
    affineSource = chosen.source;
  } catch (err) {
    warnings.push(err instanceof Error ? err.message : String(err));
  }
  const slope = h.sclSlope;
  const scaled = slope !== 0 && Number.isFinite(slope) && (slope !== 1 || h.sclInter !== 0);
  return {
    version: h.version,
    byteOrder: h.endianness,
    dims,
    volumes,
    voxelSize: h.pixdim.slice(1, n + 1),
    units: {
      space: SPACE_UNITS[h.xyztUnits & 0x07] ?? 'unknown',
      time: TIME_UNITS[h.xyztUnits & 0x38] ?? 'unknown',
    },
    datatype: { code: h.datatype, name, bitpix: h.bitpix, supported: supported !== undefined },
    voxOffset: h.voxOffset,
    extensionBytes: h.extensions.length,
    scaling: scaled ? { slope, inter: h.sclInter } : null,
    affine,
    affineSource,
    axisCodes: affine ? axisCodes(affine as never).join('') : null,
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    intent: { code: h.intentCode, name: h.intentName, params: [h.intentP1, h.intentP2, h.intentP3] },
    descrip: h.descrip,
    auxFile: h.auxFile,
    calRange: [h.calMin, h.calMax],
    toffset: h.toffset,
    slice: { code: h.sliceCode, start: h.sliceStart, end: h.sliceEnd, duration: h.sliceDuration },
    warnings,
  };
}
