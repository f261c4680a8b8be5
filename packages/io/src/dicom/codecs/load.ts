/**
 * The frame decoder of a codec, loaded on first use (the codec libraries are not imported until
 * a file needs them).
 * @module
 */
import { FormatError } from '../../format-error.js';
import type { PixelCodec } from '../transfer-syntax.js';
import type { FrameDecoder } from './frame-spec.js';

const NAMES: Readonly<Record<Exclude<PixelCodec, 'native'>, string>> = {
  rle: 'RLE',
  'jpeg-lossless': 'JPEG Lossless',
  jpeg: 'JPEG',
  'jpeg-ls': 'JPEG-LS',
  jpeg2000: 'JPEG 2000',
};

const loaded = new Map<PixelCodec, Promise<FrameDecoder>>();

async function load(codec: Exclude<PixelCodec, 'native'>): Promise<FrameDecoder> {
  switch (codec) {
    case 'rle':
      return (await import('./rle.js')).decodeRle;
    case 'jpeg-lossless':
      return (await import('./jpeg-lossless.js')).loadJpegLossless();
    case 'jpeg':
      // 8-bit only: BitsStored above 8 is refused when the file is scanned (see slice.ts)
      return (await import('./cornerstone.js')).loadJpeg8();
    case 'jpeg-ls':
      return (await import('./cornerstone.js')).loadJpegLs();
    case 'jpeg2000':
      return (await import('./cornerstone.js')).loadJpeg2000();
  }
}

/**
 * The decoder of a codec: any failure inside the codec becomes a FormatError naming the frame,
 * and the output is checked to hold one value per pixel.
 */
export async function frameDecoder(codec: Exclude<PixelCodec, 'native'>): Promise<FrameDecoder> {
  let decoder = loaded.get(codec);
  if (!decoder) {
    decoder = load(codec);
    loaded.set(codec, decoder);
  }
  const decode = await decoder;
  return (encoded, spec) => {
    let out: ArrayLike<number>;
    try {
      out = decode(encoded, spec);
    } catch (err) {
      if (err instanceof FormatError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new FormatError(
        'dicom',
        `${spec.what}: the ${NAMES[codec]} stream cannot be decoded (${message})`,
      );
    }
    if (out.length !== spec.rows * spec.columns)
      throw new FormatError(
        'dicom',
        `${spec.what}: the ${NAMES[codec]} stream decodes to ${out.length} values; the ${spec.columns}x${spec.rows} frame has ${spec.rows * spec.columns}`,
      );
    return out;
  };
}
