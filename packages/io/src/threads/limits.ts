/**
 * The most worker threads one pool of this package starts: each holds its own V8 heap (tens of
 * MB before any work), so a pool far beyond the machine's cores buys nothing and can exhaust
 * memory (`workers: 100000` took 7 GB). Asking for more is a RangeError naming the limit.
 * @module
 */

/** The largest worker pool accepted (cohort generation, the scan loader). */
export const MAX_WORKER_THREADS = 64;

/**
 * Checks a worker-thread count given by a user.
 * @param what - who asks (`generateCohort: workers`), for the message.
 * @throws RangeError unless `n` is an integer in 0..{@link MAX_WORKER_THREADS}.
 */
export function checkWorkerCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_WORKER_THREADS)
    throw new RangeError(`${what} must be an integer in 0..${MAX_WORKER_THREADS}, got ${n}`);
}
