/**
 * Percentiles with numpy's default ("linear") interpolation, the convention of MONAI's
 * `compute_hausdorff_distance(percentile=95)`.
 * @module
 */

/**
 * The `p`-th percentile of `sorted` (ascending): rank r = p/100 (n - 1), linear between the
 * two neighbouring order statistics. NaN for an empty array.
 * @param p percentile in [0, 100].
 * @throws RangeError when p is outside [0, 100].
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must lie in [0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const r = (p / 100) * (n - 1);
  const lo = Math.floor(r);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (r - lo);
}

/** Sorts a copy ascending and returns its `p`-th percentile (see {@link percentileSorted}). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  return percentileSorted(s, p);
}
