/**
 * Errors the CLI reports without a stack trace (unless `--verbose`), and their exit codes.
 * @module
 */

/** Exit codes of the `deepsc` command. */
export const ExitCode = {
  ok: 0,
  /** Unexpected failure (a bug): the stack is printed with --verbose. */
  failure: 1,
  /** Bad usage: unknown option, missing or invalid argument, invalid config; no engine installed for this platform. */
  usage: 2,
  /** Bad input data: unreadable, corrupt or unsupported file. */
  data: 3,
  /**
   * The system refused a read or write the input did not cause: disk full, read-only or
   * permission denied on an output, a quota, an I/O error. The message names the path. Also a
   * data-parallel job that lost a worker (killed, crashed, hung or unreachable; the rank is named).
   */
  io: 4,
  /** Interrupted (Ctrl-C) after saving what could be saved. */
  interrupted: 130,
} as const;

/** An error meant for the user: printed as `deepsc: <message>` and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
