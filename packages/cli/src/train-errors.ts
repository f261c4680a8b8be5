/**
 * Errors of training, prediction and the demo as CLI errors: configuration problems, and a run
 * folder in use or not usable as asked, are usage errors (exit 2); bad checkpoints, manifests
 * and scans, and a run that diverged (its data or settings drove it to NaN), are data errors
 * (exit 3); a write of the run folder the system refused (disk full, read-only) is exit 4
 * naming the path. Anything else is left as is (a bug: stack with --verbose). Also the Ctrl-C
 * handling and the option checks that train, demo and study share.
 * @module
 */
import { FormatError, GridMismatchError, ManifestError } from '@deepsc/io';
import {
  CheckpointError,
  ConfigError,
  DivergedError,
  PredictionError,
  PredictionOutputError,
  RunFolderConflictError,
  RunLockedError,
  RunWriteError,
} from '@deepsc/train';
import { CliError, ExitCode } from './errors.js';
import { asOutputError } from './output-error.js';

/** Codes of writes the system refused whatever the input (EACCES/EPERM stay with the input's errors). */
const WRITE_REFUSALS = ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG'];

/** Maps a known error to a CliError with the right exit code; returns other errors unchanged. */
export function asTrainError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigError || err instanceof PredictionOutputError)
    return new CliError(err.message, ExitCode.usage);
  if (err instanceof RunLockedError || err instanceof RunFolderConflictError)
    return new CliError(err.message, ExitCode.usage);
  if (err instanceof DivergedError) return new CliError(err.message, ExitCode.data);
  if (err instanceof RunWriteError) {
    const mapped = asOutputError(err.path, err.cause);
    return mapped instanceof CliError ? mapped : new CliError(err.message, ExitCode.io);
  }
  if (err instanceof PredictionError || err instanceof GridMismatchError)
    return new CliError(err.message, ExitCode.data);
  if (err instanceof CheckpointError || err instanceof ManifestError || err instanceof FormatError)
    return new CliError(err.message, ExitCode.data);
  const fs = err as NodeJS.ErrnoException;
  // a write the system refused anywhere in a run (the scan cache, a checkpoint): exit 4 naming it
  if (fs && typeof fs.path === 'string' && typeof fs.code === 'string' && WRITE_REFUSALS.includes(fs.code))
    return asOutputError(fs.path, err);
  if (fs && typeof fs.code === 'string' && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(fs.code))
    return new CliError(fs.message, ExitCode.data);
  return err;
}

/**
 * An AbortSignal fired by the first Ctrl-C (SIGINT), so a run can save and stop (it says so on
 * stderr); a second Ctrl-C exits at once with 130. `release()` removes the handler.
 */
export function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(ExitCode.interrupted);
    process.stderr.write(
      '\ninterrupt: finishing the current step and saving a checkpoint (Ctrl-C again to quit at once)\n',
    );
    ac.abort();
  };
  process.on('SIGINT', handler);
  return { signal: ac.signal, release: () => process.off('SIGINT', handler) };
}

/** Refuses a `--progress` style other than auto, bar, lines or off (exit 2). */
export function checkProgressStyle(progress: string): void {
  if (!['auto', 'bar', 'lines', 'off'].includes(progress))
    throw new CliError(`--progress must be auto, bar, lines or off, got '${progress}'`);
}

/** Refuses a `--device` other than cpu or cuda (exit 2); absent is fine. */
export function checkDeviceOption(device: string | undefined): void {
  if (device !== undefined && !['cpu', 'cuda'].includes(device))
    throw new CliError(`--device must be cpu or cuda, got '${device}'`);
}
