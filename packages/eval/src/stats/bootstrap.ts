/**
 * Seeded percentile-bootstrap confidence intervals (Efron and Tibshirani, "An Introduction to
 * the Bootstrap", 1993, ch. 13).
 * @module
 */
import { percentileSorted } from './percentile.js';
import { seededRandom } from './rng.js';

/**
 * Most resamples one interval may ask for: 100,000 puts the Monte Carlo error of a 95% bound
 * far below its sampling error (1,000 to 10,000 is usual), while each interval still takes
 * seconds, not hours (`--resamples 1e9` would run for days holding every resampled value).
 */
export const MAX_BOOTSTRAP_RESAMPLES = 100_000;

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Number of resamples, 1 to {@link MAX_BOOTSTRAP_RESAMPLES}. Default 1000. */
  readonly resamples?: number;
  /** Seed of the generator. Default 0. */
  readonly seed?: number;
  /** Coverage of the interval. Default 0.95. */
  readonly level?: number;
}

/** A point estimate with its percentile-bootstrap interval. */
export interface Interval {
  /** The statistic on the full sample. */
  readonly value: number;
  /** Lower bound: the (1 - level)/2 percentile of the resampled statistics. */
  readonly lower: number;
  /** Upper bound: the (1 + level)/2 percentile. */
  readonly upper: number;
  /** Coverage, e.g. 0.95. */
  readonly level: number;
  /** Resamples on which the statistic was defined (not NaN); the bounds use only these. */
  readonly resamples: number;
}

/**
 * Percentile bootstrap: draws `resamples` samples of size n with replacement (as multiplicity
 * weights per item, seeded), evaluates `statistic` on each, drops undefined (NaN) results and
 * takes the (1 - level)/2 and (1 + level)/2 percentiles (numpy linear interpolation). Bounds are
 * NaN when the full-sample statistic is NaN or no resample is defined.
 * @param n sample size (items are 0 .. n-1).
 * @param statistic the statistic given per-item multiplicities (all 1 for the full sample).
 * @throws RangeError on n < 1, resamples outside [1, {@link MAX_BOOTSTRAP_RESAMPLES}] or a level outside (0, 1).
 */
export function bootstrapInterval(
  n: number,
  statistic: (weights: Float64Array) => number,
  options: BootstrapOptions = {},
): Interval {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`bootstrap: sample size must be a positive integer, got ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_BOOTSTRAP_RESAMPLES)
    throw new RangeError(
      `bootstrap: resamples must be an integer from 1 to ${MAX_BOOTSTRAP_RESAMPLES}, got ${resamples}`,
    );
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level must lie in (0, 1), got ${level}`);
  const w = new Float64Array(n).fill(1);
  const value = statistic(w);
  const rand = seededRandom(options.seed ?? 0);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]! += 1;
    const s = statistic(w);
    if (!Number.isNaN(s)) stats.push(s);
  }
  if (Number.isNaN(value) || stats.length === 0) {
    return { value, lower: Number.NaN, upper: Number.NaN, level, resamples: stats.length };
  }
  const sorted = Float64Array.from(stats).sort();
  const alpha = (1 - level) / 2;
  return {
    value,
    lower: percentileSorted(sorted, 100 * alpha),
    upper: percentileSorted(sorted, 100 * (1 - alpha)),
    level,
    resamples: stats.length,
  };
}

/** The weighted mean of `values` (NaN when the weights sum to 0). */
export function weightedMean(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights[i] as number;
    if (w === 0) continue;
    s += w * (values[i] as number);
    sw += w;
  }
  return sw === 0 ? Number.NaN : s / sw;
}
