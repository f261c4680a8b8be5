/**
 * The CUDA kernels' own error paths against the CPU's: for inputs that pass shape inference
 * but that a kernel rejects (class-loss targets that are not class indices, negative or
 * non-finite masks, optional inputs given with shape []), the CUDA call must throw the same
 * error class with the same message as the CPU call, forward and backward; and a bad target
 * where the mask is 0 is ignored on both. Skips without a GPU, saying why;
 * DEEPSC_REQUIRE_CUDA=1 turns that into a failure through native/test/cuda.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { backward, forward, loadBinding, type OpAttrs, type OpName, type RawTensor } from '../lib/index.js';
import { tensors } from './cases/table.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;

const cuda = { device: 'cuda' } as const;
const t = tensors(40);
const f32 = (shape: number[], values: number[]): RawTensor => ({ data: Float32Array.from(values), shape });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw, got none');
}

interface ErrorCase<K extends OpName> {
  name: string;
  op: K;
  attrs: OpAttrs[K];
  inputs: (RawTensor | null)[];
  needGrad: boolean[];
}

const logits = t([2, 3, 4]);
const scalar = f32([], [1]);
const cases: ErrorCase<OpName>[] = [
  {
    name: 'cross_entropy: a target equal to C',
    op: 'cross_entropy',
    attrs: {},
    inputs: [logits, f32([2, 4], [0, 1, 2, 0, 1, 3, 0, 2]), null],
    needGrad: [true, false, false],
  },
  {
    name: 'cross_entropy: a fractional target',
    op: 'cross_entropy',
    attrs: { class_weights: [0.5, 1, 1] },
    inputs: [logits, f32([2, 4], [0, 1.5, 2, 0, 1, 2, 0, 2]), null],
    needGrad: [true, false, false],
  },
  {
    name: 'cross_entropy: a negative mask before a bad target (the first position is named)',
    op: 'cross_entropy',
    attrs: {},
    inputs: [logits, f32([2, 4], [0, 1, 2, 0, -1, 2, 0, 2]), f32([2, 4], [1, 1, -0.5, 1, 1, 1, 1, 1])],
    needGrad: [true, false, false],
  },
  {
    name: 'focal: a NaN mask',
    op: 'focal',
    attrs: {},
    inputs: [logits, f32([2, 4], [0, 1, 2, 0, 1, 2, 0, 2]), f32([2, 4], [1, 1, 1, 1, 1, Number.NaN, 1, 1])],
    needGrad: [true, false, false],
  },
  {
    name: 'focal: an infinite mask',
    op: 'focal',
    attrs: { gamma: 1 },
    inputs: [
      logits,
      f32([2, 4], [0, 1, 2, 0, 1, 2, 0, 2]),
      f32([2, 4], [1, Number.POSITIVE_INFINITY, 1, 1, 1, 1, 1, 1]),
    ],
    needGrad: [true, false, false],
  },
  {
    name: 'focal: a negative target on the last position',
    op: 'focal',
    attrs: {},
    inputs: [logits, f32([2, 4], [0, 1, 2, 0, 1, 2, 0, -1]), null],
    needGrad: [true, false, false],
  },
  {
    name: 'cross_entropy: a mask of shape []',
    op: 'cross_entropy',
    attrs: {},
    inputs: [logits, f32([2, 4], [0, 1, 2, 0, 1, 2, 0, 2]), scalar],
    needGrad: [true, false, false],
  },
  {
    name: 'soft_dice: a mask of shape []',
    op: 'soft_dice',
    attrs: {},
    inputs: [t([2, 3, 4], 0, 1), t([2, 3, 4], 0, 1), scalar],
    needGrad: [true, false, false],
  },
  {
    name: 'mse: a weight of shape []',
    op: 'mse',
    attrs: {},
    inputs: [t([2, 3]), t([2, 3]), scalar],
    needGrad: [true, true, false],
  },
  {
    name: 'linear: a bias of shape []',
    op: 'linear',
    attrs: {},
    inputs: [t([2, 3]), t([4, 3]), scalar],
    needGrad: [true, true, true],
  },
];

const lossOutputs = (op: OpName, inputs: (RawTensor | null)[]): RawTensor[] =>
  op === 'linear' ? [t([(inputs[0] as RawTensor).shape[0] as number, 4])] : [f32([1], [0.5])];

describe.skipIf(!haveGpu)(
  haveGpu
    ? `cuda kernel errors match the CPU's (${state})`
    : `cuda kernel errors: SKIPPED: no CUDA device (${state})`,
  () => {
    it.each(cases)('$name', (c) => {
      const cpu = thrown(() => forward(c.op, c.attrs, c.inputs));
      const gpu = thrown(() => forward(c.op, c.attrs, c.inputs, cuda));
      expect([gpu.constructor.name, gpu.message]).toEqual([cpu.constructor.name, cpu.message]);
      const outs = lossOutputs(c.op, c.inputs);
      const cpuBack = thrown(() => backward(c.op, c.attrs, c.inputs, outs, outs, c.needGrad));
      const gpuBack = thrown(() => backward(c.op, c.attrs, c.inputs, outs, outs, c.needGrad, cuda));
      expect([gpuBack.constructor.name, gpuBack.message]).toEqual([
        cpuBack.constructor.name,
        cpuBack.message,
      ]);
    });

    it('a bad target where the mask is 0 is ignored, as on the CPU', () => {
      const inputs = [logits, f32([2, 4], [0, 7, 2, 0, 1, 2, 0, 2]), f32([2, 4], [1, 0, 1, 1, 1, 1, 1, 1])];
      const [cpu] = forward('cross_entropy', {}, inputs);
      const [gpu] = forward('cross_entropy', {}, inputs, cuda);
      expect(Math.abs((gpu?.data[0] as number) - (cpu?.data[0] as number))).toBeLessThanOrEqual(1e-6);
    });

    it('a GPU error leaves the device usable: the next valid call succeeds', () => {
      thrown(() => forward('cross_entropy', {}, [logits, f32([2, 4], [9, 9, 9, 9, 9, 9, 9, 9]), null], cuda));
      const [gpu] = forward('mse', {}, [f32([2], [1, 2]), f32([2], [0, 0]), null], cuda);
      expect(gpu?.data[0]).toBe(2.5);
    });
  },
);
