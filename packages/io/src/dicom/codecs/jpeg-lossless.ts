/**
 * JPEG Lossless (process 14, any predictor) with jpeg-lossless-decoder-js, imported on first use.
 * @module
 */
import { checkDecodedFrame, type FrameDecoder, type FrameSpec } from './frame-spec.js';

/** The part of jpeg-lossless-decoder-js's Decoder used here (the package's declarations are missing). */
interface LosslessDecoder {
  xDim: number;
  yDim: number;
  numComp: number;
  precision: number | undefined;
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
}

/** The JPEG Lossless decoder. */
export async function loadJpegLossless(): Promise<FrameDecoder> {
  // a name held in a `string`: the compiler does not look for the missing declarations
  // 2.0.x is CommonJS exporting { lossless: { Decoder } } (2.1 adds a native optional dependency)
  const m = (await import('jpeg-lossless-decoder-js' as string)) as {
    default: { lossless: { Decoder: new () => LosslessDecoder } };
  };
  const Decoder = m.default.lossless.Decoder;
  return (encoded: Uint8Array, spec: FrameSpec) => {
    const decoder = new Decoder();
    const copy = encoded.slice();
    const out = decoder.decode(copy.buffer, 0, copy.byteLength, spec.bitsAllocated / 8);
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
  };
}
