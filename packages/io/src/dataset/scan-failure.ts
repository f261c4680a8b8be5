/**
 * Why a scan failed to load, in a form that crosses the worker-thread boundary (errors lose
 * their class and fields in `postMessage`), and the error rebuilt from it on the other side:
 * bad data stays a data error (FormatError, GridMismatchError) naming the scan and its file, a
 * system error keeps its `code` and path, and anything else stays a plain Error (a bug).
 * @module
 */
import { FormatError, type FormatName } from '../format-error.js';
import { isSystemError } from '../fs/path-error.js';
import { GridMismatchError } from '../geometry/same-grid.js';

/** A load failure as plain data. */
export type ScanFailure =
  | { readonly kind: 'format'; readonly format: FormatName; readonly message: string }
  | {
      readonly kind: 'grid';
      readonly imagePath: string;
      readonly otherPath: string;
      readonly what: string;
    }
  | {
      readonly kind: 'system';
      readonly message: string;
      readonly code: string;
      readonly syscall: string;
      readonly path?: string;
      readonly errno?: number;
    }
  | { readonly kind: 'other'; readonly message: string; readonly stack?: string };

/**
 * Describes what scan `id` failed with. Readers' FormatErrors and RangeErrors (a header asking
 * for more than the limits, mask values outside 0..255) are bad data in the scan's files.
 */
export function describeScanFailure(id: string, err: unknown): ScanFailure {
  if (err instanceof GridMismatchError)
    return { kind: 'grid', imagePath: err.imagePath, otherPath: err.otherPath, what: err.what };
  if (err instanceof FormatError)
    return { kind: 'format', format: err.format, message: `scan ${id}: ${err.message}` };
  if (err instanceof RangeError)
    return { kind: 'format', format: 'nifti', message: `scan ${id}: ${err.message}` };
  if (isSystemError(err))
    return {
      kind: 'system',
      message: `scan ${id}: ${err.message}`,
      code: err.code ?? 'EIO',
      syscall: err.syscall,
      ...(err.path !== undefined ? { path: err.path } : {}),
      ...(err.errno !== undefined ? { errno: err.errno } : {}),
    };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'other', message: `scan ${id}: ${e.message}`, ...(e.stack ? { stack: e.stack } : {}) };
}

/** The error a {@link ScanFailure} stands for, with its class and fields back. */
export function scanFailureError(f: ScanFailure): Error {
  switch (f.kind) {
    case 'format':
      return new FormatError(f.format, f.message);
    case 'grid':
      return new GridMismatchError(f.imagePath, f.otherPath, f.what);
    case 'system': {
      const e = new Error(f.message) as NodeJS.ErrnoException;
      e.code = f.code;
      e.syscall = f.syscall;
      if (f.path !== undefined) e.path = f.path;
      if (f.errno !== undefined) e.errno = f.errno;
      return e;
    }
    default: {
      const e = new Error(f.message);
      if (f.stack) e.stack = f.stack;
      return e;
    }
  }
}
