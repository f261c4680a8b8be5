/**
 * Decoding one frame's pixels into rescaled values (HU for CT), whatever the transfer syntax.
 * @module
 */

import { frameDecoder } from './codecs/load.js';
import type { DataSet } from './dataset.js';
import { encapsulatedFrame, nativeFrame } from './frames.js';
import type { DicomSliceInfo } from './slice.js';
import { transferSyntaxSupport } from './transfer-syntax.js';

/**
 * Writes a frame's rescaled values (stored value masked to BitsStored, sign-extended when
 * PixelRepresentation is 1, x RescaleSlope + RescaleIntercept) into `out` from `offset`, row
 * after row (column index fastest). Compressed frames are decoded with the codec of their
 * transfer syntax, loaded on first use.
 * @returns whether every value was an integer (so the series can stay int16).
 * @throws FormatError when the frame cannot be found or decoded, or decodes to another size.
 */
export async function decodeFramePixels(
  ds: DataSet,
  info: DicomSliceInfo,
  out: Float32Array,
  offset: number,
): Promise<boolean> {
  const { codec } = transferSyntaxSupport(info.transferSyntaxUid, info.source);
  let raw: ArrayLike<number>;
  if (codec === 'native') raw = nativeFrame(ds, info);
  else {
    const decode = await frameDecoder(codec);
    raw = decode(encapsulatedFrame(ds, info), {
      rows: info.rows,
      columns: info.columns,
      bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored,
      signed: info.pixelRepresentation === 1,
      what: info.source,
    });
  }
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
