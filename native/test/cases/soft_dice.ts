import { classData } from '../support/class-targets.js';
import { randomMask } from '../support/loss-inputs.js';
import { softDice64 } from '../support/loss-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(43);
const prob = (s: number[]) => randTensor(s, r, 0.01, 0.99);
const binary = (s: number[]) => randomMask(s, r, 0.5);
const noTargetGrad = [true, false, false];

const float64Cases: OpCase<'soft_dice'>[] = [
  { name: 'one sample, one channel [1,1,5]', attrs: {}, inputs: [prob([1, 1, 5]), binary([1, 1, 5]), null] },
  {
    name: 'lung-masked [2,1,3,4,5] (mask per position)',
    attrs: {},
    inputs: [prob([2, 1, 3, 4, 5]), binary([2, 1, 3, 4, 5]), binary([2, 1, 3, 4, 5])],
  },
  {
    name: 'two channels, mask broadcast over C [2,2,3,1,7]',
    attrs: { smooth: 1 },
    inputs: [prob([2, 2, 3, 1, 7]), binary([2, 2, 3, 1, 7]), binary([2, 1, 3, 1, 7])],
  },
  {
    name: 'full-shape soft mask and soft target [3,2,9]',
    attrs: { smooth: 0.5 },
    inputs: [prob([3, 2, 9]), prob([3, 2, 9]), randomMask([3, 2, 9], r, 0.2, 'weights')],
  },
  {
    name: 'empty target (smooth keeps it finite) [1,1,6]',
    attrs: { smooth: 1 },
    inputs: [prob([1, 1, 6]), { data: new Float32Array(6), shape: [1, 1, 6] }, null],
  },
  {
    name: 'several chunks per sample [2,1,40,900]',
    attrs: {},
    inputs: [prob([2, 1, 40, 900]), binary([2, 1, 40, 900]), null],
  },
];

const t = tensors(30);
const d = classData(130);
const noGrad = [true, false, false];

export const softDice: OpTable<'soft_dice'> = {
  op: 'soft_dice',
  reference:
    (attrs) =>
    ([p, t, m]) => [softDice64(p as Ref, t as Ref, m ?? null, attrs.smooth ?? 1e-5)],
  // Per-sample sums in double on both sides over different partial orders (the CPU's chunks of
  // 32768, the GPU's chunks of 8192 and block trees); the gradient is the CPU's expression.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'soft_dice'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        grad: noTargetGrad.slice(0, c.inputs.length),
        tol: { rtol: 1e-5, atol: 1e-6 },
      })),
    ),
    ...withChecks<'soft_dice'>(cudaOnly, [
      {
        name: '5D [2,3,4,5,6], soft targets, no mask',
        attrs: {},
        inputs: [t([2, 3, 4, 5, 6], 0, 1), t([2, 3, 4, 5, 6], 0, 1), null],
        grad: noGrad,
      },
      {
        name: 'per-position mask [2,1,3,5,7] over 2 channels, smooth 1',
        attrs: { smooth: 1 },
        inputs: [t([2, 2, 3, 5, 7], 0, 1), t([2, 2, 3, 5, 7], 0, 1), d.mask([2, 1, 3, 5, 7])],
        grad: noGrad,
      },
      {
        name: 'full-shape mask [3,2,9], binary targets',
        attrs: {},
        inputs: [t([3, 2, 9], 0, 1), d.targets([3, 2, 9], 2), d.mask([3, 2, 9])],
        grad: noGrad,
      },
      {
        name: 'one channel [2,1,6] with a [2,1,6] mask',
        attrs: {},
        inputs: [t([2, 1, 6], 0, 1), t([2, 1, 6], 0, 1), d.mask([2, 1, 6])],
        grad: noGrad,
      },
      {
        name: 'empty sample (all-zero target and mask): Dice 1',
        attrs: {},
        inputs: [t([2, 2, 5], 0, 1), d.zeros([2, 2, 5]), d.zeros([2, 1, 5])],
        grad: noGrad,
      },
      {
        name: 'several chunks per sample [2,2,30,30,10], masked',
        attrs: {},
        inputs: [t([2, 2, 30, 30, 10], 0, 1), t([2, 2, 30, 30, 10], 0, 1), d.mask([2, 1, 30, 30, 10])],
        grad: noGrad,
      },
    ]),
  ],
};
