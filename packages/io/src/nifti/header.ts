/**
 * The NIfTI-1 and NIfTI-2 headers: their fields, and their binary layouts read in either byte
 * order and written little-endian.
 *
 * NIfTI-1: 348 bytes, magic `n+1\0` at byte 344, 16-bit dims, 32-bit floats.
 * NIfTI-2: 540 bytes, magic `n+2\0\r\n\x1a\n` at byte 4, 64-bit dims and offsets, doubles.
 * Both are followed by a 4-byte extender and optional extensions, then (at `vox_offset`) the
 * voxels. Only single files (`.nii`, `.nii.gz`) are read; `.hdr`/`.img` pairs are rejected.
 * @module
 */
import { FormatError } from '../format-error.js';

/** Every field of a NIfTI header, with NIfTI-1 and NIfTI-2 mapped to the same names. */
export interface NiftiHeader {
  /** 1 (348-byte header) or 2 (540-byte header). */
  version: 1 | 2;
  /** Byte order of the file it was read from; files are always written little-endian. */
  endianness: 'little' | 'big';
  /** `dim[0]` = number of dimensions (1-7), then the size of each. */
  dim: number[];
  /** `pixdim[0]` = qfac (+1 or -1), then the voxel size of each dimension. */
  pixdim: number[];
  /** Datatype code (see `NIFTI_DATATYPES`). */
  datatype: number;
  bitpix: number;
  /** Byte offset of the voxels in the (decompressed) file. */
  voxOffset: number;
  /** Scale and offset: value = raw * slope + inter; slope 0 or not finite means "no scaling". */
  sclSlope: number;
  sclInter: number;
  dimInfo: number;
  intentCode: number;
  intentP1: number;
  intentP2: number;
  intentP3: number;
  intentName: string;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  sliceDuration: number;
  /** Units of space (bits 0-2) and time (bits 3-5); 2 = mm, 8 = s. */
  xyztUnits: number;
  calMax: number;
  calMin: number;
  toffset: number;
  descrip: string;
  auxFile: string;
  /** 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template. */
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  /** Rows of the sform matrix (voxel to world), 4 values each. */
  srowX: number[];
  srowY: number[];
  srowZ: number[];
  /** Raw extension blocks (after the 4-byte extender, up to `vox_offset`); empty when none. */
  extensions: Uint8Array;
}

/** Header sizes in bytes (without the 4-byte extender). */
export const HEADER_SIZE = { 1: 348, 2: 540 } as const;

const MAGIC1 = 'n+1\0';
const PAIR1 = 'ni1\0';
const MAGIC2 = 'n+2\0\r\n\x1a\n';
const PAIR2 = 'ni2\0\r\n\x1a\n';

/** A header for a new 1x1x1 float32 image: every field at its NIfTI default. */
export function defaultNiftiHeader(version: 1 | 2 = 1): NiftiHeader {
  return {
    version,
    endianness: 'little',
    dim: [3, 1, 1, 1, 1, 1, 1, 1],
    pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    datatype: 16,
    bitpix: 32,
    voxOffset: HEADER_SIZE[version] + 4,
    sclSlope: 1,
    sclInter: 0,
    dimInfo: 0,
    intentCode: 0,
    intentP1: 0,
    intentP2: 0,
    intentP3: 0,
    intentName: '',
    sliceStart: 0,
    sliceEnd: 0,
    sliceCode: 0,
    sliceDuration: 0,
    xyztUnits: 2,
    calMax: 0,
    calMin: 0,
    toffset: 0,
    descrip: '',
    auxFile: '',
    qformCode: 0,
    sformCode: 0,
    quaternB: 0,
    quaternC: 0,
    quaternD: 0,
    qoffsetX: 0,
    qoffsetY: 0,
    qoffsetZ: 0,
    srowX: [1, 0, 0, 0],
    srowY: [0, 1, 0, 0],
    srowZ: [0, 0, 1, 0],
    extensions: new Uint8Array(0),
  };
}

function text(bytes: Uint8Array, at: number, len: number): string {
  const s = bytes.subarray(at, at + len);
  const end = s.indexOf(0);
  return Buffer.from(s.subarray(0, end < 0 ? len : end)).toString('latin1');
}

/**
 * Which NIfTI version and byte order a buffer holds, from `sizeof_hdr` and the magic string.
 * @throws FormatError when the buffer is too short, is not NIfTI, or is a `.hdr`/`.img` pair.
 */
export function sniffNifti(
  bytes: Uint8Array,
  what = 'nifti',
): { version: 1 | 2; endianness: 'little' | 'big' } {
  if (bytes.length < 4)
    throw new FormatError('nifti', `${what}: file is ${bytes.length} bytes, too short for a NIfTI header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  const version = le === 348 || be === 348 ? 1 : le === 540 || be === 540 ? 2 : undefined;
  if (version === undefined) {
    throw new FormatError(
      'nifti',
      `${what}: not a NIfTI file (sizeof_hdr is ${le}, expected 348 for NIfTI-1 or 540 for NIfTI-2)`,
    );
  }
  const endianness = le === HEADER_SIZE[version] ? 'little' : 'big';
  const size = HEADER_SIZE[version];
  if (bytes.length < size) {
    throw new FormatError(
      'nifti',
      `${what}: truncated NIfTI-${version} header (${bytes.length} of ${size} bytes)`,
    );
  }
  const magic = version === 1 ? text(bytes, 344, 4) : Buffer.from(bytes.subarray(4, 12)).toString('latin1');
  const want = version === 1 ? MAGIC1 : MAGIC2;
  const pair = version === 1 ? PAIR1 : PAIR2;
  if (version === 1 ? magic !== want.slice(0, 3) : magic !== want) {
    if (version === 1 ? magic === pair.slice(0, 3) : magic === pair) {
      throw new FormatError(
        'nifti',
        `${what}: a NIfTI-${version} .hdr/.img pair header; only single-file .nii / .nii.gz is supported`,
      );
    }
    throw new FormatError(
      'nifti',
      `${what}: bad NIfTI-${version} magic ${JSON.stringify(magic)} (expected ${JSON.stringify(want)}; ANALYZE 7.5 files are not supported)`,
    );
  }
  return { version, endianness };
}

function safeInt(v: bigint, field: string, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what}: ${field} ${v} is out of range`);
  }
  return Number(v);
}

/**
 * Parses the header (and the raw extensions) at the start of an uncompressed NIfTI file.
 * The fields are returned as stored; no fixes are applied here.
 * @throws FormatError for a short buffer, a bad magic or a pair header; RangeError for a
 * 64-bit field beyond 2^53.
 */
export function parseNiftiHeader(bytes: Uint8Array, what = 'nifti'): NiftiHeader {
  const { version, endianness } = sniffNifti(bytes, what);
  const le = endianness === 'little';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i16 = (o: number) => dv.getInt16(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const f32 = (o: number) => dv.getFloat32(o, le);
  const f64 = (o: number) => dv.getFloat64(o, le);
  const i64 = (o: number, field: string) => safeInt(dv.getBigInt64(o, le), field, what);
  let h: NiftiHeader;
  if (version === 1) {
    h = {
      version,
      endianness,
      dim: Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i)),
      pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
      datatype: i16(70),
      bitpix: i16(72),
      voxOffset: f32(108),
      sclSlope: f32(112),
      sclInter: f32(116),
      dimInfo: bytes[39] ?? 0,
      intentCode: i16(68),
      intentP1: f32(56),
      intentP2: f32(60),
      intentP3: f32(64),
      intentName: text(bytes, 328, 16),
      sliceStart: i16(74),
      sliceEnd: i16(120),
      sliceCode: bytes[122] ?? 0,
      sliceDuration: f32(132),
      xyztUnits: bytes[123] ?? 0,
      calMax: f32(124),
      calMin: f32(128),
      toffset: f32(136),
      descrip: text(bytes, 148, 80),
      auxFile: text(bytes, 228, 24),
      qformCode: i16(252),
      sformCode: i16(254),
      quaternB: f32(256),
      quaternC: f32(260),
      quaternD: f32(264),
      qoffsetX: f32(268),
      qoffsetY: f32(272),
      qoffsetZ: f32(276),
      srowX: Array.from({ length: 4 }, (_, i) => f32(280 + 4 * i)),
      srowY: Array.from({ length: 4 }, (_, i) => f32(296 + 4 * i)),
      srowZ: Array.from({ length: 4 }, (_, i) => f32(312 + 4 * i)),
      extensions: new Uint8Array(0),
    };
  } else {
    h = {
      version,
      endianness,
      dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i, `dim[${i}]`)),
      pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
      datatype: i16(12),
      bitpix: i16(14),
      voxOffset: i64(168, 'vox_offset'),
      sclSlope: f64(176),
      sclInter: f64(184),
      dimInfo: bytes[524] ?? 0,
      intentCode: i32(504),
      intentP1: f64(80),
      intentP2: f64(88),
      intentP3: f64(96),
      intentName: text(bytes, 508, 16),
      sliceStart: i64(224, 'slice_start'),
      sliceEnd: i64(232, 'slice_end'),
      sliceCode: i32(496),
      sliceDuration: f64(208),
      xyztUnits: i32(500),
      calMax: f64(192),
      calMin: f64(200),
      toffset: f64(216),
      descrip: text(bytes, 240, 80),
      auxFile: text(bytes, 320, 24),
      qformCode: i32(344),
      sformCode: i32(348),
      quaternB: f64(352),
      quaternC: f64(360),
      quaternD: f64(368),
      qoffsetX: f64(376),
      qoffsetY: f64(384),
      qoffsetZ: f64(392),
      srowX: Array.from({ length: 4 }, (_, i) => f64(400 + 8 * i)),
      srowY: Array.from({ length: 4 }, (_, i) => f64(432 + 8 * i)),
      srowZ: Array.from({ length: 4 }, (_, i) => f64(464 + 8 * i)),
      extensions: new Uint8Array(0),
    };
  }
  h.extensions = readExtensions(bytes, h);
  return h;
}

/** The extension blocks between the extender and the voxels, if the extender says there are any. */
function readExtensions(bytes: Uint8Array, h: NiftiHeader): Uint8Array {
  const start = HEADER_SIZE[h.version];
  if (bytes.length < start + 4 || bytes[start] === 0) return new Uint8Array(0);
  const end = Math.floor(h.voxOffset);
  if (!(end > start + 4) || end > bytes.length) return new Uint8Array(0);
  // Each block is (esize int32, ecode int32, data); keep only whole, well-formed blocks.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = h.endianness === 'little';
  let at = start + 4;
  while (at + 8 <= end) {
    const esize = dv.getInt32(at, le);
    if (esize < 8 || esize % 16 !== 0 || at + esize > end) break;
    at += esize;
  }
  if (at === start + 4) return new Uint8Array(0);
  if (!le) {
    // Re-encode the block sizes and codes little-endian, since files are written little-endian.
    const out = bytes.slice(start + 4, at);
    const odv = new DataView(out.buffer);
    for (let p = 0; p + 8 <= out.length; ) {
      const esize = dv.getInt32(start + 4 + p, false);
      odv.setInt32(p, esize, true);
      odv.setInt32(p + 4, dv.getInt32(start + 8 + p, false), true);
      p += esize;
    }
    return out;
  }
  return bytes.slice(start + 4, at);
}

function putText(bytes: Uint8Array, at: number, len: number, s: string): void {
  const b = Buffer.from(s, 'latin1').subarray(0, len - 1);
  bytes.set(b, at);
}

/**
 * Encodes a header, the extender and the extensions, little-endian; `vox_offset` is set to
 * the end of the extensions (a multiple of 16), ignoring `h.voxOffset`.
 * @returns the bytes that precede the voxels.
 */
export function encodeNiftiHeader(h: NiftiHeader): Uint8Array {
  const size = HEADER_SIZE[h.version];
  const ext = h.extensions.length % 16 === 0 ? h.extensions : new Uint8Array(0);
  const voxOffset = size + 4 + ext.length;
  const bytes = new Uint8Array(voxOffset);
  const dv = new DataView(bytes.buffer);
  const arr = <T>(a: readonly T[], n: number, fill: T): T[] =>
    Array.from({ length: n }, (_, i) => a[i] ?? fill);
  const dim = arr(h.dim, 8, 1);
  const pixdim = arr(h.pixdim, 8, 1);
  const srow = [arr(h.srowX, 4, 0), arr(h.srowY, 4, 0), arr(h.srowZ, 4, 0)];
  dv.setInt32(0, size, true);
  if (h.version === 1) {
    for (const [i, d] of dim.entries()) dv.setInt16(40 + 2 * i, d, true);
    for (const [i, p] of pixdim.entries()) dv.setFloat32(76 + 4 * i, p, true);
    bytes[38] = 'r'.charCodeAt(0);
    bytes[39] = h.dimInfo & 0xff;
    dv.setFloat32(56, h.intentP1, true);
    dv.setFloat32(60, h.intentP2, true);
    dv.setFloat32(64, h.intentP3, true);
    dv.setInt16(68, h.intentCode, true);
    dv.setInt16(70, h.datatype, true);
    dv.setInt16(72, h.bitpix, true);
    dv.setInt16(74, h.sliceStart, true);
    dv.setFloat32(108, voxOffset, true);
    dv.setFloat32(112, h.sclSlope, true);
    dv.setFloat32(116, h.sclInter, true);
    dv.setInt16(120, h.sliceEnd, true);
    bytes[122] = h.sliceCode & 0xff;
    bytes[123] = h.xyztUnits & 0xff;
    dv.setFloat32(124, h.calMax, true);
    dv.setFloat32(128, h.calMin, true);
    dv.setFloat32(132, h.sliceDuration, true);
    dv.setFloat32(136, h.toffset, true);
    putText(bytes, 148, 80, h.descrip);
    putText(bytes, 228, 24, h.auxFile);
    dv.setInt16(252, h.qformCode, true);
    dv.setInt16(254, h.sformCode, true);
    for (const [i, v] of [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].entries())
      dv.setFloat32(256 + 4 * i, v, true);
    for (const [r, row] of srow.entries())
      for (const [c, v] of row.entries()) dv.setFloat32(280 + 16 * r + 4 * c, v, true);
    putText(bytes, 328, 16, h.intentName);
    bytes.set(Buffer.from(MAGIC1, 'latin1'), 344);
  } else {
    bytes.set(Buffer.from(MAGIC2, 'latin1'), 4);
    dv.setInt16(12, h.datatype, true);
    dv.setInt16(14, h.bitpix, true);
    for (const [i, d] of dim.entries()) dv.setBigInt64(16 + 8 * i, BigInt(d), true);
    dv.setFloat64(80, h.intentP1, true);
    dv.setFloat64(88, h.intentP2, true);
    dv.setFloat64(96, h.intentP3, true);
    for (const [i, p] of pixdim.entries()) dv.setFloat64(104 + 8 * i, p, true);
    dv.setBigInt64(168, BigInt(voxOffset), true);
    dv.setFloat64(176, h.sclSlope, true);
    dv.setFloat64(184, h.sclInter, true);
    dv.setFloat64(192, h.calMax, true);
    dv.setFloat64(200, h.calMin, true);
    dv.setFloat64(208, h.sliceDuration, true);
    dv.setFloat64(216, h.toffset, true);
    dv.setBigInt64(224, BigInt(Math.trunc(h.sliceStart)), true);
    dv.setBigInt64(232, BigInt(Math.trunc(h.sliceEnd)), true);
    putText(bytes, 240, 80, h.descrip);
    putText(bytes, 320, 24, h.auxFile);
    dv.setInt32(344, h.qformCode, true);
    dv.setInt32(348, h.sformCode, true);
    for (const [i, v] of [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].entries())
      dv.setFloat64(352 + 8 * i, v, true);
    for (const [r, row] of srow.entries())
      for (const [c, v] of row.entries()) dv.setFloat64(400 + 32 * r + 8 * c, v, true);
    dv.setInt32(496, h.sliceCode, true);
    dv.setInt32(500, h.xyztUnits, true);
    dv.setInt32(504, h.intentCode, true);
    putText(bytes, 508, 16, h.intentName);
    bytes[524] = h.dimInfo & 0xff;
  }
  if (ext.length > 0) {
    bytes[size] = 1;
    bytes.set(ext, size + 4);
  }
  return bytes;
}
