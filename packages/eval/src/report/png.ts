/**
 * PNG encoding of RGBA images, for images embedded in the report as data URIs.
 * @module
 */
import { PNG } from 'pngjs';

/** An 8-bit RGBA image, rows top to bottom. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes. */
  readonly data: Uint8Array;
}

/**
 * Encodes an RGBA image as a base64 PNG.
 * @throws RangeError when the data length is not width * height * 4.
 */
export function encodePngBase64(img: RgbaImage): string {
  if (img.data.length !== img.width * img.height * 4) {
    throw new RangeError(`png: ${img.data.length} bytes do not match ${img.width} x ${img.height} RGBA`);
  }
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png).toString('base64');
}
