/**
 * Decoding one frame's pixels into rescaled values (HU for CT), whatever the transfer syntax.
 * @module
 */
import type { FrameDecodePool } from './codecs/decode-pool.js';
import type { FrameSpec } from './codecs/frame-spec.js';
import { frameDecoder } from './codecs/load.js';
import type { DataSet } from './dataset.js';
import { encapsulatedFrame, nativeFrame } from './frames.js';
import type { DicomSliceInfo } from './slice.js';
import { transferSyntaxSupport } from './transfer-syntax.js';

const specOf = (info: DicomSliceInfo): FrameSpec => ({
  rows: info.rows,
  columns: info.columns,
  bitsAllocated: info.bitsAllocated,
  bitsStored: info.bitsStored,
  signed: info.pixelRepresentation === 1,
  what: info.source,
});

/**
 * The stored values of a frame (not yet masked nor rescaled): read in place for native pixel
 * data, else decoded by the codec of the transfer syntax (loaded on first use), on `pool`'s
 * threads when one is given.
 * @throws FormatError when the frame cannot be found or decoded, or decodes to another size.
 */
export async function storedFrameValues(
  ds: DataSet,
  info: DicomSliceInfo,
  pool?: FrameDecodePool,
): Promise<ArrayLike<number>> {
  const { codec } = transferSyntaxSupport(info.transferSyntaxUid, info.source);
  if (codec === 'native') return nativeFrame(ds, info);
  const encoded = encapsulatedFrame(ds, info);
  if (pool) return pool.decode(codec, encoded, specOf(info));
  return (await frameDecoder(codec))(encoded, specOf(info));
}

/**
 * Writes a frame's rescaled values (stored value masked to BitsStored, sign-extended when
 * PixelRepresentation is 1, x RescaleSlope + RescaleIntercept) into `out` from `offset`, row
 * after row (column index fastest).
 * @returns whether every value was an integer (so the series can stay int16).
 */
export function rescaleFrame(
  raw: ArrayLike<number>,
  info: DicomSliceInfo,
  out: Float32Array,
  offset: number,
): boolean {
  const n = info.rows * info.columns;
  const signed = info.pixelRepresentation === 1;
  // Bits above BitsStored may hold overlays or garbage: mask them, and sign-extend from BitsStored.
  const shift = 32 - info.bitsStored;
  const { rescaleSlope: slope, rescaleIntercept: inter } = info;
  let integral = Number.isInteger(slope) && Number.isInteger(inter);
  for (let p = 0; p < n; p++) {
    let v = raw[p] as number;
    v = signed ? (v << shift) >> shift : shift === 0 ? v >>> 0 : (v << shift) >>> shift;
    const hu = v * slope + inter;
    out[offset + p] = hu;
    if (integral && Math.fround(hu) !== hu) integral = false;
  }
  return integral;
}

/**
 * Decodes a frame (its stored values, decompressed as its transfer syntax says) and writes the
 * values after the frame's rescale slope and intercept into `out` from `offset`.
 * @returns whether every value was an integer.
 */
export async function decodeFramePixels(
  ds: DataSet,
  info: DicomSliceInfo,
  out: Float32Array,
  offset: number,
): Promise<boolean> {
  return rescaleFrame(await storedFrameValues(ds, info), info, out, offset);
}
