/**
 * Gzip with a bound on the decompressed size, so a small "gzip bomb" cannot exhaust memory:
 * either a fixed cap ({@link gunzipBounded} with a byte count) or the size the data's own
 * header asks for ({@link gunzipBounded} with a {@link PrefixPlan}: decompression stops there).
 * @module
 */
import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { FormatError } from '../format-error.js';
import { type PrefixPlan, readPrefix } from './read-prefix.js';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Default cap on decompressed (and in-memory) file sizes: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data (one or several concatenated members) within a bound.
 *
 * With a byte count, the whole stream is decompressed, stopping with a RangeError as soon as
 * the output would exceed it. With a {@link PrefixPlan}, decompression stops once the plan's
 * size (decided from the first decompressed bytes, a header) is reached, plus its slack: a
 * small file whose header asks for 32 KB yields 32 KB however far it would expand; the result
 * is shorter than the plan's size only when the stream ends first.
 *
 * @param input - the gzip stream: bytes, or chunks (a file's read stream).
 * @param limit - the largest decompressed size accepted (default {@link DEFAULT_MAX_BYTES}),
 *   or a plan that reads the size from the data.
 * @param what - how to name the data in messages (a file path, usually); default `gzip data`.
 * @throws RangeError when the decompressed data would exceed a byte-count limit, or as the plan
 *   throws; FormatError (`gzip`) when the stream is corrupt or truncated within what is read;
 *   the source's own error (an fs error) when reading it fails.
 */
export async function gunzipBounded(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  limit: number | PrefixPlan = DEFAULT_MAX_BYTES,
  what = 'gzip data',
): Promise<Uint8Array> {
  if (typeof limit === 'number') {
    const cap = outputCap(limit);
    if (input instanceof Uint8Array) {
      try {
        const out = await gunzipAsync(input, { maxOutputLength: cap });
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (err) {
        throw gunzipError(err, limit, what);
      }
    }
    const whole: PrefixPlan = {
      what,
      maxUndecided: cap,
      size: () => undefined,
    };
    try {
      return (await readPrefix(gunzipChunks(input, what), whole)).bytes;
    } catch (err) {
      if (err instanceof RangeError) throw gunzipError(err, limit, what);
      throw err;
    }
  }
  return (await readPrefix(gunzipChunks(input, what), { what, ...limit })).bytes;
}

/**
 * The decompressed chunks of a gzip stream, produced only as fast as they are consumed;
 * ending the iteration early stops decompression and the source.
 *
 * @throws FormatError (`gzip`) for a corrupt or truncated stream; the source's own errors.
 */
export async function* gunzipChunks(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  what = 'gzip data',
): AsyncGenerator<Uint8Array> {
  const source = input instanceof Uint8Array ? Readable.from([input]) : Readable.from(input);
  const inflate = createGunzip({ chunkSize: 1 << 20 });
  // pipeline forwards a source error to the inflater (and destroys both on any error)
  pipeline(source, inflate, () => undefined);
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>)
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (err) {
    if (isZlibError(err))
      throw new FormatError('gzip', `${what}: corrupt or truncated gzip stream (${(err as Error).message})`);
    throw err;
  } finally {
    inflate.destroy();
    source.destroy();
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
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
