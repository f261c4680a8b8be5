/**
 * Gzip with a bound on the decompressed size, so a small "gzip bomb" cannot exhaust memory.
 * @module
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { FormatError } from '../format-error.js';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Default cap on decompressed (and in-memory) file sizes: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data (one or several concatenated members), stopping as soon as the
 * output would exceed `maxBytes`.
 *
 * @param bytes - the gzip stream.
 * @param maxBytes - the largest decompressed size accepted; default {@link DEFAULT_MAX_BYTES}.
 * @param what - how to name the data in messages (a file path, usually); default `gzip data`.
 * @throws RangeError when the decompressed data would exceed `maxBytes`.
 * @throws FormatError (`gzip`) when the stream is corrupt or truncated.
 */
export async function gunzipBounded(
  bytes: Uint8Array,
  maxBytes: number = DEFAULT_MAX_BYTES,
  what = 'gzip data',
): Promise<Uint8Array> {
  const cap = outputCap(maxBytes);
  try {
    const out = await gunzipAsync(bytes, { maxOutputLength: cap });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw gunzipError(err, maxBytes, what);
  }
}

/** {@link gunzipBounded}, synchronously (for worker threads and buffer-level parsers). */
export function gunzipBoundedSync(
  bytes: Uint8Array,
  maxBytes: number = DEFAULT_MAX_BYTES,
  what = 'gzip data',
): Uint8Array {
  const cap = outputCap(maxBytes);
  try {
    const out = gunzipSync(bytes, { maxOutputLength: cap });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw gunzipError(err, maxBytes, what);
  }
}

function outputCap(maxBytes: number): number {
  if (!(maxBytes >= 1))
    throw new RangeError(`gzip: maxBytes must be a positive number of bytes, got ${maxBytes}`);
  return Math.min(Math.floor(maxBytes), 2 ** 32 - 1);
}

function gunzipError(err: unknown, maxBytes: number, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
    return new RangeError(
      `${what}: decompresses to more than the limit of ${maxBytes} bytes (raise maxBytes if the file is genuine)`,
    );
  }
  return new FormatError('gzip', `${what}: corrupt or truncated gzip stream (${e.message})`);
}

/**
 * Compresses `bytes` with gzip.
 * @param bytes - the data.
 * @param level - zlib level 0-9; default 6.
 */
export async function gzipBytes(bytes: Uint8Array, level = 6): Promise<Uint8Array> {
  const out = await gzipAsync(bytes, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** {@link gzipBytes}, synchronously. */
export function gzipBytesSync(bytes: Uint8Array, level = 6): Uint8Array {
  const out = gzipSync(bytes, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
