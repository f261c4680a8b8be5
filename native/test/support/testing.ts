/**
 * Shared machinery for the op tests: seeded random tensors, float64 references and
 * finite-difference gradient checks. Every op test is a table of cases run through
 * {@link checkOp}: the kernel's forward is compared with a float64 reference, and its backward
 * with central differences of that float64 reference (so the gradient check has no float32
 * noise and a wrong kernel cannot hide behind a loose tolerance).
 */
import { expect } from 'vitest';
import { backward, forward, type OpAttrs, type OpName, type RawTensor } from '../../lib/index.js';

export { closeness, numel, type Ref, randTensor, rng, toRef } from './numeric.js';

import { closeness, type Ref, randTensor, rng, toRef } from './numeric.js';

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

/** A float64 reference of an op: inputs (null = absent) to outputs. */
export type Reference = (inputs: (Ref | null)[]) => Ref[];

/**
 * dL/d(inputs[index]) by central differences of the float64 reference, where
 * L = sum_k <gradOut_k, out_k>. For large inputs, only `maxProbes` evenly spaced elements are
 * probed (the rest are NaN and skipped by the comparison).
 */
export function numericGrad(
  reference: Reference,
  inputs: (Ref | null)[],
  gradOut: Ref[],
  index: number,
  eps = 1e-6,
  maxProbes = 400,
): Float64Array {
  const x = inputs[index];
  if (!x) throw new Error('numericGrad: input is absent');
  const loss = () => {
    const outs = reference(inputs);
    let s = 0;
    outs.forEach((o, k) => {
      const g = gradOut[k];
      if (!g) return;
      for (let i = 0; i < o.data.length; i++) s += (g.data[i] as number) * (o.data[i] as number);
    });
    return s;
  };
  const n = x.data.length;
  const grad = new Float64Array(n).fill(Number.NaN);
  const step = Math.max(1, Math.floor(n / maxProbes));
  for (let i = 0; i < n; i += step) {
    const keep = x.data[i] as number;
    x.data[i] = keep + eps;
    const up = loss();
    x.data[i] = keep - eps;
    const down = loss();
    x.data[i] = keep;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/** One row of an op's test table. */
export interface OpCase<K extends OpName> {
  name: string;
  attrs: OpAttrs[K];
  inputs: (RawTensor | null)[];
  /** Which inputs to check gradients for (default: every present input). */
  grad?: boolean[];
  /** Forward tolerance against the float64 reference (default rtol 1e-5, atol 1e-5). */
  tol?: { rtol: number; atol: number };
  /** Backward tolerance against finite differences (default rtol 1e-3, atol 1e-4). */
  gradTol?: { rtol: number; atol: number };
}

/** Compares forward with the reference and backward with finite differences. */
export function checkOp<K extends OpName>(op: K, c: OpCase<K>, reference: Reference, seed = 1): void {
  checkOpProbed(op, c, reference, { probes: 400, seed, skipEmpty: false });
}

/**
 * {@link checkOp} with the number of finite-difference probes per input given (`probes`
 * evenly spaced elements) and, with `skipEmpty`, no gradient check of empty inputs (nothing to
 * probe there).
 */
export function checkOpProbed<K extends OpName>(
  op: K,
  c: OpCase<K>,
  reference: Reference,
  { probes, seed, skipEmpty }: { probes: number; seed: number; skipEmpty: boolean },
): void {
  const tol = c.tol ?? { rtol: 1e-5, atol: 1e-5 };
  const gradTol = c.gradTol ?? { rtol: 1e-3, atol: 1e-4 };
  const outs = forward(op, c.attrs, c.inputs);
  const refIn = c.inputs.map((t) => (t ? toRef(t) : null));
  const refOut = reference(refIn);
  expect(outs.length, `${op} ${c.name}: output count`).toBe(refOut.length);
  outs.forEach((o, k) => {
    expect(o.shape, `${op} ${c.name}: output ${k} shape`).toEqual(refOut[k]?.shape);
    expectClose(o.data, (refOut[k] as Ref).data, tol, `${op} ${c.name}: output ${k}`);
  });
  const rand = rng(seed);
  const gradOut = outs.map((o) => randTensor(o.shape, rand));
  const need = c.grad ?? c.inputs.map((t) => t !== null);
  const grads = backward(op, c.attrs, c.inputs, outs, gradOut, need);
  need.forEach((want, i) => {
    if (!want) {
      expect(grads[i], `${op} ${c.name}: grad ${i} not requested`).toBeNull();
      return;
    }
    const g = grads[i];
    expect(g, `${op} ${c.name}: grad ${i}`).not.toBeNull();
    if (skipEmpty && (g as RawTensor).data.length === 0) return;
    const numeric = numericGrad(reference, refIn, gradOut.map(toRef), i, 1e-6, probes);
    const probed: number[] = [];
    const want64: number[] = [];
    numeric.forEach((v, j) => {
      if (!Number.isNaN(v)) {
        probed.push((g as RawTensor).data[j] as number);
        want64.push(v);
      }
    });
    expect(probed.length, `${op} ${c.name}: grad ${i} probes`).toBeGreaterThan(0);
    expectClose(probed, want64, gradTol, `${op} ${c.name}: grad ${i} vs finite differences`);
  });
}

/** Expects `fn` to throw `type` with a message containing every fragment. */
export function expectThrows(fn: () => unknown, type: ErrorConstructor, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(type);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}
