/**
 * Failures of the system while writing a command's outputs (disk full, read-only file system,
 * I/O error, quota, permissions) as CLI errors with exit code 4 naming the output path:
 * the user's input was fine, the machine refused the write.
 * @module
 */
import { CliError, ExitCode } from './errors.js';

/** What each errno code of a refused write means, in words. */
const REFUSALS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/**
 * Turns a refused write of the output `path` into a CliError with exit code 4 naming `path`, the
 * reason and the code (not the temporary file the refusal hit: outputs are written beside their
 * destination and renamed); anything else is returned as is.
 */
export function asOutputError(path: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  const reason = typeof e?.code === 'string' ? REFUSALS[e.code] : undefined;
  if (!reason) return err;
  return new CliError(`cannot write ${path}: ${reason} (${e.code})`, ExitCode.io);
}
