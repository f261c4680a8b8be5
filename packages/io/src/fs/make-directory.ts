/**
 * Creating a folder and its missing parents, with the system's real reason when that fails.
 * @module
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir(path, { recursive: true })`, except that a refusal is reported with its real code.
 * Node's recursive mkdir says ENOENT whenever a missing parent cannot be created, whatever the
 * reason (a read-only file system, no permission, a full disk): then the first missing folder is
 * created on its own, which fails with the system's own error (EROFS, EACCES, ENOSPC, ENOTDIR)
 * naming that folder, and that error is thrown instead.
 *
 * @returns the first folder created, or undefined when `path` already existed (as
 *   `mkdir(..., { recursive: true })`).
 * @throws the system error of the first folder that could not be created.
 */
export async function makeDirectory(path: string): Promise<string | undefined> {
  try {
    return await mkdir(path, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // find the first missing folder below an existing one and create it alone for the real error
    let missing = resolve(path);
    for (;;) {
      const parent = dirname(missing);
      if (parent === missing) throw err;
      const parentExists = await stat(parent).then(
        () => true,
        () => false,
      );
      if (parentExists) break;
      missing = parent;
    }
    // EEXIST: another process created it meanwhile (a race, not a refusal)
    await mkdir(missing).catch((real: NodeJS.ErrnoException) => {
      if (real.code !== 'EEXIST') throw real;
    });
    // the first missing folder exists now: create the rest as asked (a real refusal is thrown)
    await mkdir(path, { recursive: true });
    return missing;
  }
}
