/**
 * Atomic file writes: readers never see a half-written file, and a failed write leaves
 * nothing behind.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withPath } from './path-error.js';

/**
 * Writes `data` to `path` atomically: the bytes go to a temporary file in the same folder
 * (so the rename cannot cross file systems), are flushed to disk, and the temporary file is then
 * renamed over `path`. On any failure the temporary file is removed and the error rethrown;
 * an existing file at `path` is left untouched.
 *
 * @param path - destination file; its folder must exist.
 * @param data - the bytes (or UTF-8 text) to write.
 * @throws the underlying system error (ENOENT when the folder is missing, EACCES, ENOSPC,
 * EROFS, EIO...) restated to name `path` (not the temporary file), with its `code` kept.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx');
  } catch (err) {
    throw withPath(err, path, 'write');
  }
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // the write's own error is the one to report; a failed clean-up must not replace it
    await rm(tmp, { force: true }).catch(() => undefined);
    throw withPath(err, path, 'write');
  }
}
