/**
 * NIfTI datatype codes and the typed arrays that hold them.
 * @module
 */
import { UnsupportedDatatypeError } from '../format-error.js';
import type { VoxelArray } from '../volume.js';

/** Names of the NIfTI datatypes this library reads and writes. */
export type NiftiDatatypeName =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64';

/** A supported datatype: its NIfTI code, bytes per voxel and typed array constructor. */
export interface NiftiDatatype {
  readonly name: NiftiDatatypeName;
  /** The NIfTI `datatype` code (DT_UINT8 = 2, ...). */
  readonly code: number;
  /** Bytes per voxel (bitpix / 8). */
  readonly bytes: 1 | 2 | 4 | 8;
  readonly array: new (length: number) => VoxelArray;
}

/** Supported datatypes by name. */
export const NIFTI_DATATYPES: Readonly<Record<NiftiDatatypeName, NiftiDatatype>> = {
  uint8: { name: 'uint8', code: 2, bytes: 1, array: Uint8Array },
  int16: { name: 'int16', code: 4, bytes: 2, array: Int16Array },
  int32: { name: 'int32', code: 8, bytes: 4, array: Int32Array },
  float32: { name: 'float32', code: 16, bytes: 4, array: Float32Array },
  float64: { name: 'float64', code: 64, bytes: 8, array: Float64Array },
  int8: { name: 'int8', code: 256, bytes: 1, array: Int8Array },
  uint16: { name: 'uint16', code: 512, bytes: 2, array: Uint16Array },
  uint32: { name: 'uint32', code: 768, bytes: 4, array: Uint32Array },
};

/** Datatype codes of the standard this library does not hold in a `VoxelArray`, by name. */
export const UNSUPPORTED_DATATYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'unknown',
  1: 'binary',
  32: 'complex64',
  128: 'rgb24',
  255: 'all',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

/**
 * The datatype for a NIfTI code.
 * @throws UnsupportedDatatypeError naming the code, its name, and the supported ones.
 */
export function datatypeFromCode(code: number, what = 'nifti'): NiftiDatatype {
  for (const dt of Object.values(NIFTI_DATATYPES)) if (dt.code === code) return dt;
  const name = UNSUPPORTED_DATATYPE_NAMES[code] ?? 'not a NIfTI datatype';
  throw new UnsupportedDatatypeError(
    code,
    name,
    `${what}: datatype ${code} (${name}) is not supported; supported: ${Object.values(NIFTI_DATATYPES)
      .map((d) => `${d.code} ${d.name}`)
      .join(', ')}`,
  );
}

/** The datatype of a typed array. */
export function datatypeOfArray(data: VoxelArray): NiftiDatatype {
  if (data instanceof Uint8Array) return NIFTI_DATATYPES.uint8;
  if (data instanceof Int8Array) return NIFTI_DATATYPES.int8;
  if (data instanceof Int16Array) return NIFTI_DATATYPES.int16;
  if (data instanceof Uint16Array) return NIFTI_DATATYPES.uint16;
  if (data instanceof Int32Array) return NIFTI_DATATYPES.int32;
  if (data instanceof Uint32Array) return NIFTI_DATATYPES.uint32;
  if (data instanceof Float32Array) return NIFTI_DATATYPES.float32;
  if (data instanceof Float64Array) return NIFTI_DATATYPES.float64;
  throw new TypeError(`nifti: cannot write voxels of type ${(data as object)?.constructor?.name}`);
}
