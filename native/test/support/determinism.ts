/**
 * Bitwise determinism checks: an op's forward and backward must give identical bits when run
 * again, and for any size of the thread pool (task boundaries depend only on the shapes).
 */
import { expect } from 'vitest';
import {
  backward,
  forward,
  loadBinding,
  type OpAttrs,
  type OpName,
  type RawTensor,
} from '../../lib/index.js';
import { randTensor, rng } from './testing.js';

const bits = (t: RawTensor | null) =>
  t ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length).slice() : null;

/** Index of the first differing element (-1 when equal); -2 when presence or length differ. */
function firstDifference(a: Uint32Array | null, b: Uint32Array | null): number {
  if (a === null || b === null) return a === b ? -1 : -2;
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

// Element-wise, not toEqual: vitest's deep equality and diffs are far too slow for 1e5 elements.
function expectSameBits(
  a: (Uint32Array | null)[],
  b: (Uint32Array | null)[] | undefined,
  label: string,
): void {
  expect(b?.length, `${label}: count`).toBe(a.length);
  a.forEach((t, i) => {
    expect(firstDifference(t, b?.[i] ?? null), `${label} ${i}: first differing element`).toBe(-1);
  });
}

/**
 * Runs forward + backward with 1, 2 and 3 threads (restoring the pool's size afterwards) and
 * expects bitwise equal outputs and gradients. `fresh()` must return new inputs each call
 * (ops with state, like batch_norm's running statistics, mutate them).
 */
export function expectBitwiseDeterministic<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  fresh: () => (RawTensor | null)[],
  needGrad: boolean[],
): void {
  const binding = loadBinding();
  const before = binding.info().threads;
  const runs: {
    outs: (Uint32Array | null)[];
    grads: (Uint32Array | null)[];
    inputs: (Uint32Array | null)[];
  }[] = [];
  try {
    for (const threads of [1, 2, 3]) {
      binding.setNumThreads(threads);
      const inputs = fresh();
      const outs = forward(op, attrs, inputs);
      const gout = outs.map((o) => randTensor(o.shape, rng(99)));
      const grads = backward(op, attrs, inputs, outs, gout, needGrad);
      runs.push({ outs: outs.map(bits), grads: grads.map(bits), inputs: inputs.map(bits) });
    }
  } finally {
    binding.setNumThreads(before);
  }
  const first = runs[0];
  expect(first).toBeDefined();
  for (const r of runs.slice(1)) {
    expectSameBits(r.outs, first?.outs, `${op}: output`);
    expectSameBits(r.grads, first?.grads, `${op}: gradient`);
    expectSameBits(r.inputs, first?.inputs, `${op}: input (state)`);
  }
}
