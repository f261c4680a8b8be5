/**
 * The WebAssembly decoders of the cornerstone codecs: OpenJPEG (JPEG 2000), CharLS (JPEG-LS)
 * and libjpeg-turbo (8-bit JPEG baseline and extended). Each package is imported, and its
 * WebAssembly module instantiated, on first use. The packages ship no type declarations: each
 * entry is an Emscripten module factory, imported by a name held in a `string` so that the
 * compiler does not look for its types.
 * @module
 */

import { FormatError } from '../../format-error.js';
import { checkDecodedFrame, type FrameDecoder, samplesOf } from './frame-spec.js';

/** The decoder object all three codecs expose (an Embind class; `delete` frees it). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete(): void;
}
type Factory = (options: {
  print: (text: string) => void;
  printErr: (text: string) => void;
}) => Promise<Record<string, unknown>>;

/**
 * Instantiates a codec's module once and wraps its decoder class as a {@link FrameDecoder}.
 * What the codec prints (OpenJPEG reports errors and warnings on stdout and stderr) is kept
 * out of the console and named in the error when the frame cannot be decoded.
 */
function wasmDecoder(codec: string, entry: string, className: string): () => Promise<FrameDecoder> {
  let module: Promise<Record<string, unknown>> | undefined;
  const printed: string[] = [];
  const keep = (text: string) => {
    if (printed.length < 20) printed.push(text.trim());
  };
  return async () => {
    module ??= import(entry).then((m: { default: Factory }) => m.default({ print: keep, printErr: keep }));
    const Decoder = (await module)[className] as new () => WasmDecoder;
    return (encoded, spec) => {
      printed.length = 0;
      const d = new Decoder();
      try {
        d.getEncodedBuffer(encoded.length).set(encoded);
        try {
          d.decode();
        } catch (err) {
          // Embind throws numbers (pointers) or strings for codec errors.
          const message = [err instanceof Error ? err.message : String(err), ...printed].join('; ');
          throw new FormatError('dicom', `${spec.what}: the ${codec} stream cannot be decoded (${message})`);
        }
        const info = d.getFrameInfo();
        checkDecodedFrame(codec, info, spec);
        return samplesOf(d.getDecodedBuffer(), info.bitsPerSample <= 8 ? 1 : 2);
      } finally {
        d.delete();
      }
    };
  };
}

/** JPEG 2000 (OpenJPEG). */
export const loadJpeg2000 = wasmDecoder(
  'JPEG 2000',
  '@cornerstonejs/codec-openjpeg/decodewasmjs' as string,
  'J2KDecoder',
);
/** JPEG-LS, lossless and near-lossless (CharLS). */
export const loadJpegLs = wasmDecoder(
  'JPEG-LS',
  '@cornerstonejs/codec-charls/decodewasmjs' as string,
  'JpegLSDecoder',
);
/** 8-bit JPEG baseline and extended (libjpeg-turbo). */
export const loadJpeg8 = wasmDecoder(
  'JPEG',
  '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' as string,
  'JPEGDecoder',
);
