/**
 * Reading NIfTI-1 and NIfTI-2 files (`.nii`, `.nii.gz`) into a {@link NiftiVolume}.
 * @module
 */
import { FormatError } from '../format-error.js';
import { DEFAULT_MAX_BYTES, gunzipBounded, isGzip } from '../fs/gzip.js';
import { withPath } from '../fs/path-error.js';
import { type PrefixPlan, readPrefix } from '../fs/read-prefix.js';
import { openRegularFile } from '../fs/regular-file.js';
import { type Affine, createVolume, type VoxelArray } from '../volume.js';
import { type AffineSource, baseAffine, bestAffine, qformAffine } from './affine.js';
import { datatypeFromCode } from './datatypes.js';
import { HEADER_SIZE, type NiftiHeader, parseNiftiHeader } from './header.js';
import type { NiftiVolume } from './volume.js';

/** Options of {@link parseNifti} and {@link readNifti}. */
export interface NiftiReadOptions {
  /**
   * Largest file accepted, compressed and decompressed, and largest voxel buffer allocated,
   * in bytes; default 2 GiB. Larger files fail with a RangeError before anything big is
   * allocated.
   */
  maxBytes?: number;
  /** `apply` (default): scale by scl_slope / scl_inter as nibabel does. `raw`: return the stored values. */
  scaling?: 'apply' | 'raw';
  /**
   * What to do with a 4D+ file holding more than one 3D volume: `reject` (default) throws,
   * `first` returns the first volume and adds a warning. Files whose extra dimensions are all
   * 1 are always accepted.
   */
  extraVolumes?: 'reject' | 'first';
  /** How to name the data in messages; default `nifti` (readNifti uses the path). */
  name?: string;
}

const VALID_XFORM_CODES = new Set([0, 1, 2, 3, 4, 5]);
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Applies nibabel's load-time header fixes (its `check_fix` battery), returning a fixed copy
 * and one warning per fix: zero voxel sizes become 1, negative ones their absolute value,
 * a qfac other than ±1 becomes 1, an invalid qform/sform code becomes 0, a bitpix that does not
 * match the datatype is corrected.
 */
export function fixNiftiHeader(
  h: NiftiHeader,
  bytesPerVoxel: number,
  what = 'nifti',
): { header: NiftiHeader; warnings: string[] } {
  const warnings: string[] = [];
  const header: NiftiHeader = { ...h, pixdim: [...h.pixdim], dim: [...h.dim] };
  for (let i = 1; i <= 3; i++) {
    const p = header.pixdim[i] as number;
    if (p === 0) {
      header.pixdim[i] = 1;
      warnings.push(`${what}: pixdim[${i}] is 0; set to 1`);
    } else if (p < 0) {
      header.pixdim[i] = -p;
      warnings.push(`${what}: pixdim[${i}] is ${p}; set to its absolute value`);
    } else if (!Number.isFinite(p)) {
      throw new FormatError('nifti', `${what}: pixdim[${i}] is ${p}, expected a positive voxel size`);
    }
  }
  if (header.pixdim[0] !== 1 && header.pixdim[0] !== -1) {
    warnings.push(`${what}: qfac (pixdim[0]) is ${header.pixdim[0]}, expected 1 or -1; set to 1`);
    header.pixdim[0] = 1;
  }
  for (const key of ['qformCode', 'sformCode'] as const) {
    if (!VALID_XFORM_CODES.has(header[key])) {
      warnings.push(
        `${what}: ${key === 'qformCode' ? 'qform_code' : 'sform_code'} ${header[key]} is not valid (0-5); set to 0`,
      );
      header[key] = 0;
    }
  }
  if (header.bitpix !== bytesPerVoxel * 8) {
    warnings.push(
      `${what}: bitpix ${header.bitpix} does not match datatype ${header.datatype}; set to ${bytesPerVoxel * 8}`,
    );
    header.bitpix = bytesPerVoxel * 8;
  }
  return { header, warnings };
}

/**
 * The affine a volume is read with: nibabel's choice ({@link bestAffine}), except that an
 * unusable one (singular, non-finite) falls back to the next source, with a warning.
 * @throws FormatError from the qform (a quaternion that is not a rotation).
 */
export function chooseAffine(
  h: NiftiHeader,
  what: string,
  warnings: string[],
): { affine: Affine; source: AffineSource } {
  const usable = (a: Affine) => {
    if (!a.every((r) => r.every(Number.isFinite))) return false;
    const [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2]] = a;
    const det = a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
    return Math.abs(det) > 1e-12;
  };
  const best = bestAffine(h, what);
  if (usable(best.affine)) return best;
  if (best.source === 'sform' && h.qformCode !== 0) {
    const q = qformAffine(h, what);
    if (usable(q)) {
      warnings.push(`${what}: the sform is singular or not finite; using the qform`);
      return { affine: q, source: 'qform' };
    }
  }
  warnings.push(`${what}: the ${best.source} is singular or not finite; using the voxel-size (base) affine`);
  return { affine: baseAffine(h), source: 'base' };
}

function byteSwap(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/** Checked product of dims; RangeError beyond 2^53. */
function product(values: readonly number[], what: string, label: string): number {
  let n = 1;
  for (const v of values) {
    n *= v;
    if (n > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`${what}: ${label} [${values.join(', ')}] overflow (more than 2^53)`);
  }
  return n;
}

/** Where the voxels of a NIfTI file lie and how many bytes they take, from its header alone. */
export interface NiftiLayout {
  /** The sizes of every dimension (`dim[1..dim[0]]`). */
  readonly sizes: readonly number[];
  /** The first 3D volume's dims (trailing 1s for 1D and 2D images). */
  readonly dims: readonly [number, number, number];
  /** How many 3D volumes the file holds (the product of dims 4 to 7). */
  readonly volumes: number;
  /** Voxels of one 3D volume. */
  readonly voxels: number;
  /** Bytes per voxel of the stored datatype. */
  readonly bytesPerVoxel: number;
  /** Byte offset of the voxels (vox_offset). */
  readonly offset: number;
  /** Bytes of one 3D volume. */
  readonly volumeBytes: number;
}

/**
 * The layout of the voxels a header describes, checked: 1-7 positive dims, a datatype this
 * library reads, a valid vox_offset, one volume within `maxBytes`.
 * @throws FormatError for an invalid header; UnsupportedDatatypeError; RangeError when one
 * volume needs more than `maxBytes` (or 4 GiB).
 */
export function niftiLayout(h: NiftiHeader, what: string, maxBytes: number = DEFAULT_MAX_BYTES): NiftiLayout {
  const ndim = h.dim[0] as number;
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new FormatError('nifti', `${what}: dim[0] is ${ndim}, expected 1 to 7 dimensions`);
  }
  const sizes = h.dim.slice(1, ndim + 1);
  for (const [i, s] of sizes.entries()) {
    if (!Number.isInteger(s) || s < 1)
      throw new FormatError('nifti', `${what}: dim[${i + 1}] is ${s}, expected a positive size`);
  }
  const dims: [number, number, number] = [sizes[0] ?? 1, sizes[1] ?? 1, sizes[2] ?? 1];
  const dt = datatypeFromCode(h.datatype, what);
  const volumes = product(sizes.slice(3), what, 'dims');
  const voxels = product(dims, what, 'dims');
  const volumeBytes = voxels * dt.bytes;
  if (volumeBytes > maxBytes || volumeBytes > 2 ** 32) {
    throw new RangeError(
      `${what}: dims [${sizes.join(', ')}] of ${dt.name} need ${volumeBytes} bytes, more than maxBytes ${maxBytes} (raise maxBytes if the file is genuine)`,
    );
  }
  const offset = h.voxOffset;
  const minOffset = HEADER_SIZE[h.version] + 4;
  if (!Number.isInteger(offset) || offset < minOffset || offset > maxBytes) {
    throw new FormatError(
      'nifti',
      `${what}: vox_offset ${offset} is not valid for a single-file NIfTI-${h.version} (expected an integer >= ${minOffset})`,
    );
  }
  return { sizes, dims, volumes, voxels, bytesPerVoxel: dt.bytes, offset, volumeBytes };
}

/**
 * How much of a NIfTI stream to read: the header, then (from it) exactly the bytes up to the
 * end of the first 3D volume (a 4D file read whole is refused from its header: no voxel is
 * read). `headerOnly` stops after the header and its extensions.
 */
function niftiPlan(
  what: string,
  maxBytes: number,
  mode: 'volume' | 'header',
  extraVolumes: 'reject' | 'first',
): PrefixPlan {
  return {
    what,
    // a gzip trailer right after the voxels is still read, so its checksum is verified
    slack: 1 << 16,
    size(head) {
      if (head.length < 4) return undefined;
      const dv = new DataView(head.buffer, head.byteOffset, 4);
      const sizeofHdr = [dv.getInt32(0, true), dv.getInt32(0, false)];
      const version = sizeofHdr.includes(HEADER_SIZE[2]) ? 2 : 1;
      // too short for the header its sizeof_hdr names: wait for more (anything else throws below)
      if (head.length < HEADER_SIZE[version] && sizeofHdr.includes(HEADER_SIZE[version])) return undefined;
      const h = parseNiftiHeader(head, what);
      if (mode === 'header') {
        const end = Math.floor(h.voxOffset);
        return Number.isFinite(end) && end > HEADER_SIZE[h.version] && end <= 1 << 24
          ? end
          : HEADER_SIZE[h.version];
      }
      const layout = niftiLayout(h, what, maxBytes);
      if (layout.volumes > 1 && extraVolumes === 'reject') throw manyVolumes(what, layout);
      return layout.offset + layout.volumeBytes;
    },
  };
}

function manyVolumes(what: string, layout: NiftiLayout): FormatError {
  return new FormatError(
    'nifti',
    `${what}: holds ${layout.volumes} volumes (dims [${layout.sizes.join(', ')}]); expected one 3D volume (read the first with extraVolumes: 'first', --first-volume on the command line)`,
  );
}

/**
 * Parses a NIfTI-1 or NIfTI-2 file held in memory (gzip-compressed or not, detected from
 * the bytes), as nibabel would load it: header fixes as nibabel's `check_fix`, the affine of
 * `get_best_affine`, scaling of `get_fdata` (float32 output for 8/16-bit and float32 data,
 * float64 for 32-bit integers and float64; unscaled data keeps its type).
 *
 * A 1D or 2D image becomes a volume with trailing dims of 1. Byte order is detected from
 * `sizeof_hdr`; data are returned in the host's order. Compressed data are decompressed only
 * as far as the header says the voxels reach.
 *
 * @param bytes - the file's bytes.
 * @param options - see {@link NiftiReadOptions}.
 * @throws FormatError for anything malformed (bad magic, truncated data, inconsistent
 * header, lying vox_offset, corrupt gzip); UnsupportedDatatypeError for datatypes other than
 * (u)int8/16/32 and float32/64; RangeError when the data would exceed `maxBytes`.
 */
export async function parseNifti(bytes: Uint8Array, options: NiftiReadOptions = {}): Promise<NiftiVolume> {
  const what = options.name ?? 'nifti';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes)
    throw new RangeError(`${what}: ${bytes.length} bytes exceed maxBytes ${maxBytes}`);
  const raw = isGzip(bytes)
    ? await gunzipBounded(bytes, niftiPlan(what, maxBytes, 'volume', options.extraVolumes ?? 'reject'), what)
    : bytes;
  return decode(raw, options, what, maxBytes);
}

function decode(raw: Uint8Array, options: NiftiReadOptions, what: string, maxBytes: number): NiftiVolume {
  const parsed = parseNiftiHeader(raw, what);
  const layout = niftiLayout(parsed, what, maxBytes);
  const { sizes, dims, voxels, volumeBytes, offset } = layout;
  const dt = datatypeFromCode(parsed.datatype, what);
  const { header, warnings } = fixNiftiHeader(parsed, dt.bytes, what);
  if (layout.volumes > 1) {
    if ((options.extraVolumes ?? 'reject') === 'reject') throw manyVolumes(what, layout);
    warnings.push(
      `${what}: holds ${layout.volumes} volumes (dims [${sizes.join(', ')}]); read the first only`,
    );
  }
  if (offset + volumeBytes > raw.length) {
    throw new FormatError(
      'nifti',
      `${what}: truncated: the header promises ${volumeBytes} bytes of voxels at offset ${offset} but the file has ${Math.max(0, raw.length - offset)} after it`,
    );
  }
  const data = new dt.array(voxels);
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  view.set(raw.subarray(offset, offset + volumeBytes));
  if (dt.bytes > 1 && (header.endianness === 'little') !== littleEndianHost) byteSwap(view, dt.bytes);

  let out: VoxelArray = data;
  let scaling: 'applied' | 'raw' = 'applied';
  if ((options.scaling ?? 'apply') === 'raw') {
    scaling = 'raw';
  } else {
    const slope = header.sclSlope;
    const inter = header.sclInter;
    if (slope !== 0 && Number.isFinite(slope)) {
      if (!Number.isFinite(inter)) {
        throw new FormatError('nifti', `${what}: scl_slope ${slope} is valid but scl_inter is ${inter}`);
      }
      if (slope !== 1 || inter !== 0) {
        const wide = dt.bytes >= 4 && dt.name !== 'float32';
        out = wide ? new Float64Array(voxels) : new Float32Array(voxels);
        for (let i = 0; i < voxels; i++) out[i] = (data[i] as number) * slope + inter;
      }
    }
  }
  const { affine, source } = chooseAffine(header, what, warnings);
  const volume = createVolume(out, dims, affine);
  return { ...volume, header, scaling, affineSource: source, warnings };
}

/**
 * Reads the part of a NIfTI file `mode` asks for, from a regular file only: the compressed
 * file size is checked against `maxBytes`, then the (decompressed) stream is read as far as
 * the header says and no further.
 */
async function readNiftiPrefix(
  path: string,
  what: string,
  maxBytes: number,
  plan: PrefixPlan,
): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, 'nifti');
  try {
    if (size > maxBytes) throw new RangeError(`${what}: ${size} bytes exceed maxBytes ${maxBytes}`);
    const magic = new Uint8Array(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    const stream = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 });
    try {
      return isGzip(magic.subarray(0, bytesRead))
        ? await gunzipBounded(stream, plan, what)
        : (await readPrefix(stream, plan)).bytes;
    } finally {
      stream.destroy();
    }
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a `.nii` or `.nii.gz` file (compression detected from the bytes, not the name). Only
 * a regular file is read (a pipe or device is refused by name), and only as far as its header
 * says: the voxels of one volume, never the rest of a larger or endless stream.
 *
 * @param path - the file.
 * @param options - see {@link NiftiReadOptions}; `name` defaults to the path.
 * @throws as {@link parseNifti}; NotRegularFileError for a pipe, device, socket or folder;
 * RangeError when the file is larger than `maxBytes`; the fs error when it cannot be read
 * (its message names the path).
 */
export async function readNifti(path: string, options: NiftiReadOptions = {}): Promise<NiftiVolume> {
  const what = options.name ?? path;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const plan = niftiPlan(what, maxBytes, 'volume', options.extraVolumes ?? 'reject');
  const raw = await readNiftiPrefix(path, what, maxBytes, plan);
  return decode(raw, options, what, maxBytes);
}

/**
 * Reads only the header (and extensions) of a `.nii` or `.nii.gz` file: no voxel is read, so
 * a file whose voxels cannot be loaded (several volumes, an unsupported datatype, a size over
 * the limits) can still be described.
 *
 * @param path - the file.
 * @param options - `maxBytes` (largest file accepted) and `name` as {@link NiftiReadOptions}.
 * @throws FormatError for a missing or invalid header; NotRegularFileError; the fs error.
 */
export async function readNiftiHeader(
  path: string,
  options: Pick<NiftiReadOptions, 'maxBytes' | 'name'> = {},
): Promise<NiftiHeader> {
  const what = options.name ?? path;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const raw = await readNiftiPrefix(path, what, maxBytes, {
    ...niftiPlan(what, maxBytes, 'header', 'first'),
    slack: 0,
  });
  return parseNiftiHeader(raw, what);
}
