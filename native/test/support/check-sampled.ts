/**
 * {@link checkOp} with fewer finite-difference probes: the forward is compared in full with
 * the float64 reference, the backward at `probes` evenly spaced elements of each input (every
 * element of small inputs). Each probe costs two evaluations of the reference on the whole
 * input, so cases large enough to span several kernel tasks stay cheap; evenly spaced probes
 * still land in every task.
 */
import { expect } from 'vitest';
import { backward, forward, type OpName, type RawTensor } from '../../lib/index.js';
import {
  expectClose,
  numericGrad,
  type OpCase,
  type Ref,
  type Reference,
  randTensor,
  rng,
  toRef,
} from './testing.js';

export function checkOpSampled<K extends OpName>(
  op: K,
  c: OpCase<K>,
  reference: Reference,
  probes = 48,
  seed = 1,
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
    const g = grads[i] as RawTensor;
    expect(g, `${op} ${c.name}: grad ${i}`).not.toBeNull();
    if (g.data.length === 0) return;
    const numeric = numericGrad(reference, refIn, gradOut.map(toRef), i, 1e-6, probes);
    const got: number[] = [];
    const wanted: number[] = [];
    numeric.forEach((v, j) => {
      if (!Number.isNaN(v)) {
        got.push(g.data[j] as number);
        wanted.push(v);
      }
    });
    expect(got.length, `${op} ${c.name}: grad ${i} probes`).toBeGreaterThan(0);
    expectClose(got, wanted, gradTol, `${op} ${c.name}: grad ${i} vs finite differences`);
  });
}
