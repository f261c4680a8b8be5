/**
 * A write into the run folder that the system refused (disk full, read-only file system, I/O
 * error, quota, permissions): the path the run was writing and the system's code, so the
 * command can say which output failed (exit code 4) instead of a bare `ENOSPC`.
 * @module
 */

/** The system refused a write of `path`; `code` is its errno code (`ENOSPC`, `EROFS`, ...). */
export class RunWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`cannot write ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RunWriteError';
    this.code = typeof code === 'string' ? code : undefined;
  }
}
