/**
 * What a frame decoder is told about the frame it decodes, and the check that its output
 * matches the header.
 * @module
 */
import { FormatError } from '../../format-error.js';

/** The header's description of one frame of pixel data. */
export interface FrameSpec {
  readonly rows: number;
  readonly columns: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  /** The file and frame, for messages. */
  readonly what: string;
}

/**
 * Decodes one compressed frame into its stored sample values, row after row: an array of
 * rows x columns values (not yet masked to BitsStored nor rescaled).
 */
export type FrameDecoder = (encoded: Uint8Array, spec: FrameSpec) => ArrayLike<number>;

/** What a codec reports about the image it decoded. */
export interface DecodedFrameInfo {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly componentCount: number;
}

/**
 * Checks that a codec's image is the frame the header describes.
 * @throws FormatError naming both.
 */
export function checkDecodedFrame(codec: string, got: DecodedFrameInfo, spec: FrameSpec): void {
  const problems: string[] = [];
  if (got.width !== spec.columns || got.height !== spec.rows)
    problems.push(`${got.width}x${got.height} pixels, the header says ${spec.columns}x${spec.rows}`);
  if (got.componentCount !== 1)
    problems.push(`${got.componentCount} components, the header says 1 (greyscale)`);
  if (got.bitsPerSample > spec.bitsAllocated)
    problems.push(`${got.bitsPerSample}-bit samples, more than BitsAllocated ${spec.bitsAllocated}`);
  if (problems.length > 0)
    throw new FormatError('dicom', `${spec.what}: the ${codec} stream holds ${problems.join('; ')}`);
}

/** A copy of `bytes` (a codec's little-endian output) as unsigned samples of `bytesPerSample` bytes. */
export function samplesOf(bytes: Uint8Array, bytesPerSample: 1 | 2): ArrayLike<number> {
  const copy = bytes.slice();
  return bytesPerSample === 1 ? copy : new Uint16Array(copy.buffer, 0, copy.length >> 1);
}
