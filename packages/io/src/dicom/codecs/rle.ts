/**
 * RLE Lossless (DICOM PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, each
 * segment one byte plane (most significant first) compressed with PackBits.
 * @module
 */
import { FormatError } from '../../format-error.js';
import type { FrameSpec } from './frame-spec.js';

/** Decodes one PackBits segment into `out`; returns the number of bytes written. */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = ((src[i++] as number) << 24) >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, end - i, out.length - o);
      out.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      if (i >= end) break;
      const count = Math.min(1 - n, out.length - o);
      out.fill(src[i++] as number, o, o + count);
      o += count;
    }
  }
  return o;
}

/**
 * Decodes one RLE Lossless frame of single-sample pixels.
 * @returns the stored values, row after row.
 * @throws FormatError for a bad header (segment count, offsets) or a segment that decodes to
 * fewer bytes than the frame needs.
 */
export function decodeRle(encoded: Uint8Array, spec: FrameSpec): ArrayLike<number> {
  const bytes = spec.bitsAllocated / 8;
  const n = spec.rows * spec.columns;
  if (encoded.length < 64)
    throw new FormatError(
      'dicom',
      `${spec.what}: RLE frame of ${encoded.length} bytes is shorter than its 64-byte header`,
    );
  const dv = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = dv.getUint32(0, true);
  if (segments !== bytes)
    throw new FormatError(
      'dicom',
      `${spec.what}: RLE frame has ${segments} segment(s); ${bytes} expected for ${spec.bitsAllocated}-bit single-sample pixels`,
    );
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) offsets.push(dv.getUint32(4 + 4 * s, true));
  offsets.push(encoded.length);
  const planes = new Uint8Array(n * bytes);
  for (let s = 0; s < segments; s++) {
    const start = offsets[s] as number;
    const end = offsets[s + 1] as number;
    if (start < 64 || end > encoded.length || start > end)
      throw new FormatError(
        'dicom',
        `${spec.what}: RLE segment ${s + 1} offset ${start} lies outside the frame (64 to ${encoded.length} bytes) or after the next`,
      );
    const plane = planes.subarray(s * n, (s + 1) * n);
    const got = unpackBits(encoded, start, end, plane);
    if (got !== n)
      throw new FormatError(
        'dicom',
        `${spec.what}: RLE segment ${s + 1} decodes to ${got} bytes; the ${spec.columns}x${spec.rows} frame needs ${n}`,
      );
  }
  // Segment 0 holds the most significant bytes.
  if (bytes === 1) return spec.signed ? new Int8Array(planes.buffer) : planes;
  const out = bytes === 2 ? new Uint16Array(n) : new Uint32Array(n);
  for (let p = 0; p < n; p++) {
    let v = 0;
    for (let s = 0; s < bytes; s++) v = v * 256 + (planes[s * n + p] as number);
    out[p] = v;
  }
  return out;
}
