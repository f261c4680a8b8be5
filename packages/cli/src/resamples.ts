/**
 * The `--resamples` flag of `eval` and `report`: bootstrap resamples of every interval, an
 * integer from 1 to `MAX_BOOTSTRAP_RESAMPLES` of `@deepsc/eval`.
 * @module
 */
import { MAX_BOOTSTRAP_RESAMPLES } from '@deepsc/eval';
import { CliError } from './errors.js';

/** Parses `--resamples`. @throws CliError (exit 2) naming the allowed range and the value given. */
export function parseResamples(s: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_BOOTSTRAP_RESAMPLES)
    throw new CliError(`--resamples must be an integer from 1 to ${MAX_BOOTSTRAP_RESAMPLES}, got ${s}`);
  return n;
}
