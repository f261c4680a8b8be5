/**
 * JPEG Lossless (process 14, any predictor) with jpeg-lossless-decoder-js.
 * @module
 */
import { Decoder } from 'jpeg-lossless-decoder-js';
import { checkDecodedFrame, type FrameSpec } from './frame-spec.js';

/** Decodes one JPEG Lossless frame into its stored values. */
export function decodeJpegLossless(encoded: Uint8Array, spec: FrameSpec): ArrayLike<number> {
  const decoder = new Decoder();
  const copy = encoded.slice();
  const out = decoder.decode(copy.buffer, 0, copy.byteLength, spec.bitsAllocated / 8) as
    | Uint8Array
    | Uint16Array;
  checkDecodedFrame(
    'JPEG Lossless',
    {
      width: decoder.xDim,
      height: decoder.yDim,
      bitsPerSample: decoder.precision ?? 0,
      componentCount: decoder.numComp,
    },
    spec,
  );
  return out;
}
