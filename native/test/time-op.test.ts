import { describe, expect, it } from 'vitest';
import {
  type Attrs,
  backward,
  forward,
  loadBinding,
  type OpAttrs,
  type OpName,
  type RawTensor,
  timeOp,
} from '../lib/index.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(5);
const t = (shape: number[]) => randTensor(shape, r);
const copy = (x: RawTensor | null) => (x ? { data: x.data.slice(), shape: [...x.shape] } : null);

interface TimedCase {
  name: string;
  op: OpName;
  attrs: Attrs;
  inputs: (RawTensor | null)[];
  needGrad: boolean[] | null;
}

const conv = [t([1, 4, 6, 8, 8]), t([8, 4, 3, 3, 3]), t([8])];
const timed: TimedCase[] = [
  { name: 'conv3d forward', op: 'conv3d', attrs: { padding: 1 }, inputs: conv, needGrad: null },
  {
    name: 'conv3d backward-data',
    op: 'conv3d',
    attrs: { padding: 1 },
    inputs: conv,
    needGrad: [true, false, false],
  },
  {
    name: 'conv3d backward-weight',
    op: 'conv3d',
    attrs: { padding: 1 },
    inputs: conv,
    needGrad: [false, true, true],
  },
  {
    name: 'conv3d 1x1x1 strided, no bias',
    op: 'conv3d',
    attrs: { stride: 2 },
    inputs: [t([2, 3, 4, 4, 4]), t([5, 3, 1, 1, 1]), null],
    needGrad: [true, true, false],
  },
  { name: 'relu forward', op: 'relu', attrs: {}, inputs: [t([4, 1000])], needGrad: null },
  { name: 'relu backward', op: 'relu', attrs: {}, inputs: [t([4, 1000])], needGrad: [true] },
  {
    name: 'max_pool3d backward',
    op: 'max_pool3d',
    attrs: { kernel: 2 },
    inputs: [t([1, 3, 4, 6, 6])],
    needGrad: [true],
  },
  {
    // train mode updates running_mean / running_var in place: timeOp must not touch the caller's.
    name: 'batch_norm train forward (in-place running statistics)',
    op: 'batch_norm',
    attrs: { mode: 'train' },
    inputs: [t([2, 3, 4, 4]), t([3]), t([3]), t([3]), randTensor([3], r, 0.5, 2)],
    needGrad: null,
  },
  {
    name: 'batch_norm train backward, absent affine inputs',
    op: 'batch_norm',
    attrs: { mode: 'train' },
    inputs: [t([2, 3, 4, 4]), null, null, t([3]), randTensor([3], r, 0.5, 2)],
    needGrad: [true, false, false],
  },
];

const time = (c: TimedCase, warmup: number, repeats: number) =>
  timeOp(c.op, c.attrs as OpAttrs[OpName], c.inputs, c.needGrad, warmup, repeats);

describe('timeOp', () => {
  it('is exported by the addon', () => {
    expect(typeof loadBinding().timeOp).toBe('function');
  });

  it.each(timed)('$name: repeats finite positive times, inputs untouched, op unchanged', (c) => {
    const attrs = c.attrs as OpAttrs[OpName];
    const before = c.inputs.map(copy);
    const outBefore = forward(c.op, attrs, c.inputs.map(copy));
    const gradBefore = c.needGrad
      ? backward(c.op, attrs, c.inputs.map(copy), outBefore, outBefore, c.needGrad)
      : null;
    for (const [warmup, repeats] of [
      [0, 1],
      [3, 7],
    ] as const) {
      const ms = time(c, warmup, repeats);
      expect(ms).toHaveLength(repeats);
      for (const m of ms) {
        expect(Number.isFinite(m)).toBe(true);
        expect(m).toBeGreaterThan(0);
      }
    }
    // The timed calls ran on engine copies: the caller's arrays (running statistics included)
    // are bit for bit what they were, and the op gives the same results as before.
    expect(c.inputs).toEqual(before);
    expect(forward(c.op, attrs, c.inputs.map(copy))).toEqual(outBefore);
    if (c.needGrad)
      expect(backward(c.op, attrs, c.inputs.map(copy), outBefore, outBefore, c.needGrad)).toEqual(gradBefore);
  });

  const base = timed[1] as TimedCase;
  it.each([
    ['warmup -1', -1, 5, 'warmup must be an integer in [0, 100000], got -1'],
    ['warmup 1.5', 1.5, 5, 'warmup must be an integer in [0, 100000], got 1.5'],
    ['warmup a string', '3', 5, 'warmup must be an integer in [0, 100000], got 3'],
    ['warmup above the cap', 100001, 5, 'got 100001'],
    ['repeats 0', 0, 0, 'repeats must be an integer in [1, 100000], got 0'],
    ['repeats NaN', 0, Number.NaN, 'repeats must be an integer in [1, 100000], got NaN'],
    ['repeats missing', 0, undefined, 'repeats must be an integer'],
  ])('RangeError for %s', (_name, warmup, repeats, message) => {
    expectThrows(
      () => timeOp(base.op, base.attrs, base.inputs, base.needGrad, warmup as number, repeats as number),
      RangeError,
      'timeOp',
      message,
    );
  });

  // Bad ops, attributes and inputs fail exactly as the eager forward / backward fail.
  const x = t([1, 4, 6, 8, 8]);
  const w = t([8, 4, 3, 3, 3]);
  const b = t([8]);
  it.each<[string, string, Attrs, (RawTensor | null)[], boolean[] | null]>([
    ['an unknown op', 'conv4d', {}, [x, w, b], null],
    ['an unknown attribute', 'conv3d', { padd: 1 }, [x, w, b], null],
    ['a channel mismatch', 'conv3d', {}, [x, t([8, 3, 3, 3, 3]), b], null],
    ['a rank-4 input', 'conv3d', {}, [t([4, 6, 8, 8]), w, b], null],
    ['a missing required input', 'conv3d', {}, [x, null, b], null],
    [
      'data shorter than the shape',
      'conv3d',
      {},
      [{ data: new Float32Array(5), shape: [1, 4, 6, 8, 8] }, w, b],
      null,
    ],
    ['a bias of the wrong size', 'conv3d', {}, [x, w, t([7])], [true, false, false]],
    [
      'the gradient of a non-differentiable input',
      'batch_norm',
      { mode: 'train' },
      [t([2, 3, 4]), null, null, t([3]), t([3])],
      [false, false, false, true, false],
    ],
  ])('%s throws as the eager call does', (_name, op, attrs, inputs, needGrad) => {
    const native = loadBinding();
    let eager: unknown;
    try {
      if (needGrad) {
        const fwdOk = native.runForward('cpu', op, attrs, inputs);
        native.runBackward('cpu', op, attrs, inputs, fwdOk, fwdOk, needGrad);
      } else native.runForward('cpu', op, attrs, inputs);
    } catch (e) {
      eager = e;
    }
    expect(eager, 'the eager call must fail too').toBeInstanceOf(Error);
    const err = eager as Error;
    expectThrows(
      () => native.timeOp('cpu', op, attrs, inputs, needGrad, 0, 1),
      err.constructor as ErrorConstructor,
      err.message,
    );
  });

  it('TypeError for a needGrad that is neither null nor an array, or missing arguments', () => {
    const native = loadBinding();
    expectThrows(
      () => native.timeOp('cpu', 'conv3d', {}, [x, w, b], 'yes' as unknown as boolean[], 0, 1),
      TypeError,
      'needGrad must be null or an array of booleans',
    );
    expectThrows(
      () => (native.timeOp as unknown as (...a: unknown[]) => unknown)('cpu', 'conv3d', {}, [x, w, b]),
      TypeError,
      'timeOp',
      'expected (device, op, attrs, inputs, needGrad | null, warmup, repeats)',
    );
  });
});
