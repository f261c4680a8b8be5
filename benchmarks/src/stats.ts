/**
 * Timing helpers: every figure is the median of several timed runs after warm-up runs.
 * @module
 */

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** How many runs to make of each figure. */
export interface Repeats {
  /** Untimed runs first (caches, page faults, lazy initialisation). */
  warmup: number;
  /** Timed runs; the figure is their median. */
  repeats: number;
}

/** Runs `fn` warmup + repeats times; returns the timed durations in milliseconds. */
export function timeRuns(fn: () => unknown, r: Repeats): number[] {
  for (let i = 0; i < r.warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < r.repeats; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The same for an async `fn` (onnxruntime's run). */
export async function timeRunsAsync(fn: () => Promise<unknown>, r: Repeats): Promise<number[]> {
  for (let i = 0; i < r.warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < r.repeats; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** GFLOP/s of `flops` done in `ms` milliseconds. */
export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;
