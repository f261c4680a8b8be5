/**
 * Counting NaN and infinite values: what the weight, input and output checks of prediction share.
 * @module
 */

/** How many values of `data` are NaN or infinite. */
export function countNonFinite(data: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) n++;
  return n;
}
