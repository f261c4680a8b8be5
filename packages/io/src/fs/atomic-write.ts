/**
 * Atomic file writes: readers never see a half-written file, and a failed write leaves
 * nothing behind.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withPath } from './path-error.js';
import { processAlive } from './process-alive.js';

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

/** The name of a temporary file of {@link writeFileAtomic}: `.<name>.<pid>.<12 hex>.tmp`. */
export const ATOMIC_TEMPORARY = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files {@link writeFileAtomic} left in `dir` (not below it) when its
 * process was killed mid-write: those whose process no longer runs. Files of this process and
 * of live ones (a write in flight) stay; so do those of pids alive here that belong to another
 * machine sharing the file system.
 *
 * @returns the paths removed; none when `dir` does not exist.
 * @throws the fs error when `dir` cannot be listed or a file removed.
 */
export async function removeStaleAtomicTemporaries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(ATOMIC_TEMPORARY.exec(name)?.[2]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}
