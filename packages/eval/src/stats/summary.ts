/**
 * Descriptive statistics of a list of per-scan values.
 * @module
 */
import { type BootstrapOptions, bootstrapInterval, type Interval, weightedMean } from './bootstrap.js';
import { percentileSorted } from './percentile.js';

/** Summary of per-scan values of one metric. */
export interface Summary {
  /** Scans with a finite value (the ones the statistics use). */
  readonly n: number;
  /** Scans whose value was undefined (NaN). */
  readonly undefinedCount: number;
  /** Scans whose value was infinite (e.g. HD95 with one empty mask). */
  readonly infiniteCount: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); NaN for n < 2. */
  readonly std: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Percentile-bootstrap interval of the mean over the finite values. */
  readonly meanInterval: Interval;
}

/**
 * Summarises per-scan values: statistics over the finite values, with NaN and infinite values
 * counted apart. All statistics are NaN when no value is finite.
 */
export function summarise(values: readonly number[], options: BootstrapOptions = {}): Summary {
  const finite = values.filter(Number.isFinite);
  const undefinedCount = values.filter(Number.isNaN).length;
  const infiniteCount = values.length - finite.length - undefinedCount;
  const n = finite.length;
  if (n === 0) {
    const nan = Number.NaN;
    const meanInterval: Interval = {
      value: nan,
      lower: nan,
      upper: nan,
      level: options.level ?? 0.95,
      resamples: 0,
    };
    return {
      n,
      undefinedCount,
      infiniteCount,
      mean: nan,
      std: nan,
      median: nan,
      min: nan,
      max: nan,
      meanInterval,
    };
  }
  const sorted = Float64Array.from(finite).sort();
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? Number.NaN : Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return {
    n,
    undefinedCount,
    infiniteCount,
    mean,
    std,
    median: percentileSorted(sorted, 50),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    meanInterval: bootstrapInterval(n, (w) => weightedMean(finite, w), options),
  };
}
