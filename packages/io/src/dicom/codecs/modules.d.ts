// The cornerstone codecs ship no type declarations: each entry is an Emscripten module factory.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: () => Promise<Record<string, unknown>>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: () => Promise<Record<string, unknown>>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: () => Promise<Record<string, unknown>>;
  export default factory;
}
// jpeg-lossless-decoder-js names a declaration file it does not ship.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    xDim: number;
    yDim: number;
    numComp: number;
    precision: number | undefined;
    decode(
      buffer?: ArrayBuffer,
      offset?: number,
      length?: number,
      numBytes?: number,
    ): Uint8Array | Uint16Array;
  }
}
