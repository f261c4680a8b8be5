/**
 * Seeded random tensors, float64 copies and elementwise closeness: the numeric basics of the
 * op checks. No test-runner dependency, so plain scripts (the GPU check runner) use them too.
 */
import type { RawTensor } from '../binding.js';

/** mulberry32 (`@deepsc/random`): a small seeded generator, uniform in [0, 1); any integer seed. */
export { mulberry32 as rng } from '@deepsc/random';

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A tensor of uniform values in [lo, hi). */
export function randTensor(shape: number[], rand: () => number, lo = -1, hi = 1): RawTensor {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * rand();
  return { data, shape };
}

/** A float64 tensor as the references use it. */
export interface Ref {
  data: Float64Array;
  shape: number[];
}

export const toRef = (t: RawTensor): Ref => ({ data: Float64Array.from(t.data), shape: [...t.shape] });

/** Largest |a - e| / (atol + rtol |e|); <= 1 means within tolerance. */
export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
) {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const r =
      Number.isNaN(a) || Number.isNaN(e)
        ? Number.POSITIVE_INFINITY
        : Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (r > worst) {
      worst = r;
      at = i;
    }
  }
  return { worst, at };
}
