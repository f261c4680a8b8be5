/**
 * Errors of training, prediction and the demo as CLI errors: configuration problems are usage
 * errors (exit 2); bad checkpoints, manifests and scans are data errors (exit 3). Anything else
 * is left as is (a bug: stack with --verbose).
 * @module
 */
import { FormatError, GridMismatchError, ManifestError } from '@deepsc/io';
import { CheckpointError, ConfigError, PredictionError, PredictionOutputError } from '@deepsc/train';
import { CliError, ExitCode } from './errors.js';

/** Maps a known error to a CliError with the right exit code; returns other errors unchanged. */
export function asTrainError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigError || err instanceof PredictionOutputError)
    return new CliError(err.message, ExitCode.usage);
  if (err instanceof PredictionError || err instanceof GridMismatchError)
    return new CliError(err.message, ExitCode.data);
  if (err instanceof CheckpointError || err instanceof ManifestError || err instanceof FormatError)
    return new CliError(err.message, ExitCode.data);
  const fs = err as NodeJS.ErrnoException;
  if (fs && typeof fs.code === 'string' && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(fs.code))
    return new CliError(fs.message, ExitCode.data);
  return err;
}

/**
 * An AbortSignal fired by the first Ctrl-C (SIGINT), so a run can save and stop; a second Ctrl-C
 * exits at once with 130. `release()` removes the handler.
 */
export function interruptSignal(onFirst?: () => void): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) process.exit(ExitCode.interrupted);
    onFirst?.();
    ac.abort();
  };
  process.on('SIGINT', handler);
  return { signal: ac.signal, release: () => process.off('SIGINT', handler) };
}
