/**
 * File system errors that name their file: an error raised on an open file (a read or write
 * on a handle: EIO, ENOSPC) carries no path, and one raised on a temporary file names the wrong
 * one. {@link withPath} restates it with the path the caller knows, keeping `code`, `errno` and
 * `syscall`, so callers can still tell a full disk (ENOSPC) from a missing file (ENOENT).
 * @module
 */

/** A Node.js system error (it has a `syscall`). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { syscall: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * `err` restated to name `path` when it is a system error about another path or none: a new
 * Error `cannot <action> <path>: <original message>` with the original's `code`, `errno`,
 * `syscall` and `cause`, and `path` set. Other errors (and system errors that already name
 * `path`) are returned as they are.
 *
 * @param err - what was thrown.
 * @param path - the file the caller was reading or writing.
 * @param action - `read` or `write` (the verb of the message); default `read`.
 */
export function withPath(err: unknown, path: string, action: 'read' | 'write' = 'read'): unknown {
  if (!isSystemError(err) || err.path === path) return err;
  const out = new Error(`cannot ${action} ${path}: ${err.message}`, { cause: err }) as NodeJS.ErrnoException;
  out.code = err.code;
  if (err.errno !== undefined) out.errno = err.errno;
  out.syscall = err.syscall;
  out.path = path;
  return out;
}
