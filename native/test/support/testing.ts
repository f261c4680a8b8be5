/**
 * Shared machinery for the op tests: seeded random tensors, float64 references and
 * finite-difference gradient checks. Every op test is a table of cases run through
 * {@link checkOp}: the kernel's forward is compared with a float64 reference, and its backward
 * with central differences of that float64 reference (so the gradient check has no float32
 * noise and a wrong kernel cannot hide behind a loose tolerance). The checker itself is the one
 * plugin authors get from `@deepsc/native/testing` (lib/testing/); this file types it for the
 * built-in ops and adds vitest assertions.
 */
import { expect } from 'vitest';
import type { OpAttrs, OpName } from '../../lib/index.js';
import { checkOp as checkCase, type OpCase as LibOpCase, type Reference } from '../../lib/testing/index.js';

export { closeness, numel, type Ref, randTensor, rng, toRef } from './numeric.js';

import { closeness } from './numeric.js';

/** Asserts elementwise closeness, reporting the worst element. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { rtol: number; atol: number },
  label: string,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const { worst, at } = closeness(actual, expected, tol.rtol, tol.atol);
  const detail = at >= 0 ? ` worst at ${at}: got ${actual[at]}, expected ${expected[at]}` : '';
  expect(worst, `${label}:${detail}`).toBeLessThanOrEqual(1);
}

export { numericGrad, type Reference } from '../../lib/testing/index.js';

/** One row of a built-in op's test table (attributes typed by the op). */
export type OpCase<K extends OpName> = LibOpCase<OpAttrs[K]>;

/** Compares forward with the reference and backward with finite differences. */
export function checkOp<K extends OpName>(op: K, c: OpCase<K>, reference: Reference, seed = 1): void {
  checkOpProbed(op, c, reference, { probes: 400, seed, skipEmpty: false });
}

/**
 * {@link checkOp} with the number of finite-difference probes per input given (`probes`
 * evenly spaced elements) and, with `skipEmpty`, no gradient check of empty inputs (nothing to
 * probe there). The exported checker of `@deepsc/native/testing` does the work; the declared
 * backward reads of built-in ops have their own test (backward_reads.test.ts).
 */
export function checkOpProbed<K extends OpName>(
  op: K,
  c: OpCase<K>,
  reference: Reference,
  { probes, seed, skipEmpty }: { probes: number; seed: number; skipEmpty: boolean },
): void {
  checkCase(op, c, reference, { probes, seed, skipEmpty, reads: false });
}

/** Expects `fn` to throw `type` with a message containing every fragment. */
export function expectThrows(
  fn: () => unknown,
  type: new (...args: never[]) => Error,
  ...fragments: string[]
): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(type);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}
