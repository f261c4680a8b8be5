/**
 * The bytes of one frame of pixel data: a slice of native (uncompressed) pixel data, or the
 * compressed stream of an encapsulated frame gathered from its fragments.
 * @module
 */
import dicomParser from 'dicom-parser';
import { FormatError } from '../format-error.js';
import { type DataSet, parserMessage } from './dataset.js';
import type { DicomSliceInfo } from './slice.js';

const JPEG_FAMILY = /^1\.2\.840\.10008\.1\.2\.4\.(5[0-9]|6[0-9]|70|8[01])$/;

/**
 * The compressed stream of frame `info.frame` of an encapsulated pixel data element: found by
 * the Basic Offset Table when there is one, else one fragment per frame, else (a single frame)
 * all fragments, else (JPEG family) by scanning for the start-of-image markers.
 * @throws FormatError when the fragments cannot be matched to the frames or lie outside the file.
 */
export function encapsulatedFrame(ds: DataSet, info: DicomSliceInfo): Uint8Array {
  const element = ds.elements.x7fe00010;
  if (!element?.encapsulatedPixelData)
    throw new FormatError('dicom', `${info.source}: pixel data are not encapsulated`);
  const fragments = element.fragments ?? [];
  const frames = info.numberOfFrames;
  if (fragments.length === 0)
    throw new FormatError('dicom', `${info.source}: encapsulated pixel data hold no fragments`);
  try {
    if ((element.basicOffsetTable?.length ?? 0) > 0) {
      if (element.basicOffsetTable?.length !== frames)
        throw new FormatError(
          'dicom',
          `${info.source}: the Basic Offset Table has ${element.basicOffsetTable?.length} entries for ${frames} frame(s)`,
        );
      return dicomParser.readEncapsulatedImageFrame(ds, element, info.frame);
    }
    if (frames === 1)
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, fragments.length);
    if (fragments.length === frames)
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, info.frame, 1);
    if (JPEG_FAMILY.test(info.transferSyntaxUid)) {
      const table = dicomParser.createJPEGBasicOffsetTable(ds, element);
      if (table.length !== frames)
        throw new FormatError(
          'dicom',
          `${info.source}: ${fragments.length} fragments hold ${table.length} JPEG image(s) for ${frames} frame(s)`,
        );
      return dicomParser.readEncapsulatedImageFrame(ds, element, info.frame, table);
    }
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError('dicom', `${info.source}: encapsulated pixel data: ${parserMessage(err)}`);
  }
  throw new FormatError(
    'dicom',
    `${info.source}: ${fragments.length} fragments for ${frames} frames and no Basic Offset Table: where each frame starts is unknown`,
  );
}

/**
 * The stored values of frame `info.frame` of native pixel data, row after row (not yet masked
 * to BitsStored): typed-array views for little endian, copies for big endian and 1-bit pixels.
 */
export function nativeFrame(ds: DataSet, info: DicomSliceInfo): ArrayLike<number> {
  const element = ds.elements.x7fe00010;
  if (!element) throw new FormatError('dicom', `${info.source}: has no pixel data (7FE0,0010)`);
  const n = info.rows * info.columns;
  const start = ds.byteArray.byteOffset + element.dataOffset;
  if (info.bitsAllocated === 1) {
    // Frames of 1-bit pixels are packed back to back, least significant bit first.
    const out = new Uint8Array(n);
    const first = info.frame * n;
    const bytes = ds.byteArray;
    for (let p = 0; p < n; p++) {
      const bit = first + p;
      out[p] = ((bytes[element.dataOffset + Math.floor(bit / 8)] as number) >> (bit % 8)) & 1;
    }
    return out;
  }
  const size = info.bitsAllocated / 8;
  const offset = start + info.frame * n * size;
  const buffer = ds.byteArray.buffer;
  // little-endian data viewed in place (Node runs on little-endian hosts)
  if (info.transferSyntaxUid !== '1.2.840.10008.1.2.2') {
    if (size === 1) return new Uint8Array(buffer, offset, n);
    if (offset % size === 0)
      return size === 2 ? new Uint16Array(buffer, offset, n) : new Uint32Array(buffer, offset, n);
  }
  const dv = new DataView(buffer, offset, n * size);
  const le = info.transferSyntaxUid !== '1.2.840.10008.1.2.2';
  const out = size === 1 ? new Uint8Array(n) : size === 2 ? new Uint16Array(n) : new Uint32Array(n);
  for (let p = 0; p < n; p++)
    out[p] = size === 1 ? dv.getUint8(p) : size === 2 ? dv.getUint16(2 * p, le) : dv.getUint32(4 * p, le);
  return out;
}
