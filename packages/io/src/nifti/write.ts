/**
 * Writing volumes as NIfTI-1 or NIfTI-2 (`.nii`, `.nii.gz`), keeping a read volume's header.
 * @module
 */
import { writeFileAtomic } from '../fs/atomic-write.js';
import { gzipBytes, gzipBytesSync } from '../fs/gzip.js';
import { createVolume, type Volume } from '../volume.js';
import { affineToQform } from './affine.js';
import { datatypeOfArray } from './datatypes.js';
import { defaultNiftiHeader, encodeNiftiHeader, type NiftiHeader } from './header.js';
import type { NiftiVolume } from './volume.js';

/** Options of {@link encodeNifti} and {@link writeNifti}. */
export interface NiftiWriteOptions {
  /** NIfTI version; default the source header's version, else 1. Dims over 32767 need 2. */
  version?: 1 | 2;
  /**
   * Header fields to set (descrip, intent, codes, xyzt_units, cal_min/max...). They override
   * the volume's own header (a {@link NiftiVolume} keeps its header); the fields that describe
   * the data (dim, pixdim[0-3], datatype, bitpix, vox_offset, qform and sform parameters) are
   * always computed from the volume. A `qformCode` / `sformCode` of 0 here is honoured.
   */
  header?: Partial<Omit<NiftiHeader, 'version' | 'endianness'>>;
  /** `none` (default) or `gzip`; only for {@link encodeNifti} (writeNifti goes by the file name). */
  compression?: 'none' | 'gzip';
  /** gzip level 0-9; default 6. */
  gzipLevel?: number;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The header a volume is written with: defaults, then the volume's own header (when it was
 * read from NIfTI), then `options.header`, then the fields computed from the data and affine.
 * Both sform and qform hold the affine (the qform without shears); codes that were 0 become 1
 * (scanner anatomical) unless `options.header` sets them. Scaling is written as slope 1,
 * intercept 0 unless the volume was read with `scaling: 'raw'` (then its slope/intercept are kept).
 * @throws RangeError when a dim exceeds 32767 in NIfTI-1, or the volume is invalid.
 */
export function niftiHeaderFor(volume: Volume, options: NiftiWriteOptions = {}): NiftiHeader {
  const v = createVolume(volume.data, volume.dims, volume.affine);
  const source = (volume as Partial<NiftiVolume>).header;
  const version = options.version ?? source?.version ?? 1;
  if (version !== 1 && version !== 2) throw new RangeError(`nifti: version must be 1 or 2, got ${version}`);
  if (version === 1 && v.dims.some((d) => d > 32767)) {
    throw new RangeError(
      `nifti: dims [${v.dims.join(', ')}] exceed NIfTI-1's limit of 32767; write version 2`,
    );
  }
  const dt = datatypeOfArray(v.data);
  const keepScale = (volume as Partial<NiftiVolume>).scaling === 'raw' && source !== undefined;
  const h: NiftiHeader = {
    ...defaultNiftiHeader(version),
    ...(source ?? {}),
    ...(keepScale ? {} : { sclSlope: 1, sclInter: 0 }),
    ...(options.header ?? {}),
    version,
    endianness: 'little',
  };
  const q = affineToQform(v.affine);
  const oldPix = h.pixdim;
  h.dim = [3, v.dims[0], v.dims[1], v.dims[2], 1, 1, 1, 1];
  h.pixdim = [q.qfac, ...q.zooms, oldPix[4] ?? 1, oldPix[5] ?? 1, oldPix[6] ?? 1, oldPix[7] ?? 1];
  h.datatype = dt.code;
  h.bitpix = dt.bytes * 8;
  h.quaternB = q.quaternB;
  h.quaternC = q.quaternC;
  h.quaternD = q.quaternD;
  h.qoffsetX = q.qoffsetX;
  h.qoffsetY = q.qoffsetY;
  h.qoffsetZ = q.qoffsetZ;
  h.srowX = [...v.affine[0]];
  h.srowY = [...v.affine[1]];
  h.srowZ = [...v.affine[2]];
  const explicit = options.header ?? {};
  if (explicit.qformCode === undefined && !(h.qformCode > 0)) h.qformCode = 1;
  if (explicit.sformCode === undefined && !(h.sformCode > 0)) h.sformCode = 1;
  return h;
}

/**
 * Encodes a volume as the bytes of a `.nii` file (or `.nii.gz` with `compression: 'gzip'`),
 * little-endian, with the header of {@link niftiHeaderFor}.
 * @throws RangeError for an invalid volume or dims too large for NIfTI-1.
 */
export function encodeNifti(volume: Volume, options: NiftiWriteOptions = {}): Uint8Array {
  const bytes = encodeRaw(volume, options);
  return options.compression === 'gzip' ? gzipBytesSync(bytes, options.gzipLevel) : bytes;
}

function encodeRaw(volume: Volume, options: NiftiWriteOptions): Uint8Array {
  const h = niftiHeaderFor(volume, options);
  const head = encodeNiftiHeader(h);
  const data = new Uint8Array(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength);
  const out = new Uint8Array(head.length + data.length);
  out.set(head, 0);
  out.set(data, head.length);
  if (!littleEndianHost && volume.data.BYTES_PER_ELEMENT > 1) {
    const w = volume.data.BYTES_PER_ELEMENT;
    for (let i = head.length; i < out.length; i += w) out.subarray(i, i + w).reverse();
  }
  return out;
}

/**
 * Writes a volume to `path` atomically (temporary file in the same folder, then rename);
 * gzip-compressed when the name ends in `.gz`.
 *
 * @param path - the file to write (`.nii` or `.nii.gz`).
 * @param volume - the volume; a {@link NiftiVolume} keeps its header's other fields.
 * @param options - see {@link NiftiWriteOptions} (`compression` is ignored: the name decides).
 * @throws RangeError for an invalid volume; the fs error when writing fails.
 */
export async function writeNifti(
  path: string,
  volume: Volume,
  options: NiftiWriteOptions = {},
): Promise<void> {
  const raw = encodeRaw(volume, options);
  const bytes = path.toLowerCase().endsWith('.gz') ? await gzipBytes(raw, options.gzipLevel) : raw;
  await writeFileAtomic(path, bytes);
}
