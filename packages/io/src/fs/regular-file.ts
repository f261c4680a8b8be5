/**
 * Opening input files so that only regular files are ever read: a FIFO, a device (`/dev/zero`),
 * a socket or a folder where a file is expected is refused by name before a single byte is
 * read, so no read can hang or run without end.
 * @module
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { FormatError, type FormatName } from '../format-error.js';

/** What a non-regular file system entry is, in words (`a FIFO (named pipe)`, `a folder`...). */
export function fileKind(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A path that names something other than a regular file (after following symlinks) where a
 * file is read: a pipe, a device, a socket or a folder. Bad input, like a corrupt file.
 */
export class NotRegularFileError extends FormatError {
  /**
   * @param path - the path as given.
   * @param kind - what it is, in words (see {@link fileKind}).
   * @param format - the format that was expected there.
   */
  constructor(
    readonly path: string,
    readonly kind: string,
    format: FormatName,
  ) {
    super(
      format,
      `${path}: is ${kind}, not a regular file; only regular files are read (save piped or device input to a file first)`,
    );
    this.name = 'NotRegularFileError';
  }
}

/** Refuses `info` unless it describes a regular file. @throws NotRegularFileError */
export function assertRegularFile(path: string, info: Stats, format: FormatName): void {
  if (!info.isFile()) throw new NotRegularFileError(path, fileKind(info), format);
}

// O_NONBLOCK: opening a FIFO for reading must not wait for a writer; it has no effect on regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading if (after following symlinks) it is a regular file, and returns the
 * handle with the file's size. The check is made on the opened file (`fstat`), so the path
 * cannot be swapped for a pipe between the check and the read.
 *
 * @param path - the file.
 * @param format - the format expected there (names the error's format).
 * @throws NotRegularFileError for a FIFO, device, socket or folder; the fs error (ENOENT,
 * EACCES...) when it cannot be opened.
 */
export async function openRegularFile(
  path: string,
  format: FormatName,
): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (err) {
    // a socket cannot be opened (ENXIO): say what it is rather than "no such device"
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') {
      const info = await stat(path).catch(() => undefined);
      if (info && !info.isFile()) throw new NotRegularFileError(path, fileKind(info), format);
    }
    throw err;
  }
  try {
    const info = await handle.stat();
    assertRegularFile(path, info, format);
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` bytes as UTF-8 text (manifests, JSON
 * markers): pipes and devices are refused before reading, and a larger file before it is read.
 *
 * @throws NotRegularFileError; RangeError when the file is larger than `maxBytes`; the fs error.
 */
export async function readRegularTextFile(
  path: string,
  maxBytes: number,
  format: FormatName,
): Promise<string> {
  const { handle, size } = await openRegularFile(path, format);
  try {
    if (size > maxBytes)
      throw new RangeError(`${path}: ${size} bytes, more than the limit of ${maxBytes} bytes for this file`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
