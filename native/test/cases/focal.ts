import { classData } from '../support/class-targets.js';
import { classTarget, randomMask } from '../support/loss-inputs.js';
import { classLoss64 } from '../support/loss-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(42);
const t = (s: number[], lo = -2, hi = 2) => randTensor(s, r, lo, hi);
const noTargetGrad = [true, false, false];

const float64Cases: OpCase<'focal'>[] = [
  {
    name: 'DeepSC classifier [1,3], gamma 2, weights (0.5, 1, 1)',
    attrs: { class_weights: [0.5, 1, 1] },
    inputs: [t([1, 3]), classTarget([1], 3, r), null],
  },
  {
    name: 'batch [5,3], gamma 0.5',
    attrs: { gamma: 0.5 },
    inputs: [t([5, 3]), classTarget([5], 3, r), null],
  },
  { name: 'gamma 0 (cross-entropy)', attrs: { gamma: 0 }, inputs: [t([3, 4]), classTarget([3], 4, r), null] },
  {
    name: 'masked 5D [2,2,3,4,5], gamma 3',
    attrs: { gamma: 3, class_weights: [0.1, 1] },
    inputs: [
      t([2, 2, 3, 4, 5]),
      classTarget([2, 3, 4, 5], 2, r),
      randomMask([2, 3, 4, 5], r, 0.3, 'weights'),
    ],
  },
  {
    name: 'confident logits (p near 1)',
    attrs: {},
    inputs: [t([4, 3], -8, 8), classTarget([4], 3, r), null],
  },
  {
    name: 'several tasks [2,3,40,300]',
    attrs: {},
    inputs: [t([2, 3, 40, 300]), classTarget([2, 40, 300], 3, r), null],
  },
];

const tc = tensors(29);
const d = classData(129);
const noGrad = [true, false, false];

export const focal: OpTable<'focal'> = {
  op: 'focal',
  reference:
    (attrs) =>
    ([x, y, m]) => [classLoss64(x as Ref, y as Ref, m ?? null, attrs.class_weights, attrs.gamma ?? 2)],
  // Both sum the loss in double with the same (1 - p)^gamma terms; the GPU's expf may differ
  // from std::exp in the last ulp inside the log-sum-exp, and the partial sums are added in
  // another order.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'focal'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        grad: noTargetGrad.slice(0, c.inputs.length),
        tol: { rtol: 1e-5, atol: 1e-7 },
      })),
    ),
    ...withChecks<'focal'>(cudaOnly, [
      {
        name: 'DeepSC-COVID: gamma 2, class weights (0.5, 1, 1), [4,3]',
        attrs: { gamma: 2, class_weights: [0.5, 1, 1] },
        inputs: [tc([4, 3], -3, 3), d.targets([4], 3), null],
        grad: noGrad,
      },
      {
        name: '5D [2,3,4,5,6], default gamma, masked',
        attrs: {},
        inputs: [tc([2, 3, 4, 5, 6], -3, 3), d.targets([2, 4, 5, 6], 3), d.mask([2, 4, 5, 6])],
        grad: noGrad,
      },
      {
        name: 'gamma 0 (cross-entropy) [2,2,3,7]',
        attrs: { gamma: 0 },
        inputs: [tc([2, 2, 3, 7], -3, 3), d.targets([2, 3, 7], 2), null],
        grad: noGrad,
      },
      {
        name: 'gamma 0.5, target with a channel axis [2,1,5,9]',
        attrs: { gamma: 0.5 },
        inputs: [tc([2, 4, 5, 9], -3, 3), d.targets([2, 1, 5, 9], 4), null],
        grad: noGrad,
      },
      {
        name: 'confident logits in [-30, 30), gamma 2',
        attrs: { gamma: 2 },
        inputs: [tc([2, 4, 37], -30, 30), d.targets([2, 37], 4), null],
        grad: noGrad,
      },
      {
        name: 'everything masked: 0 and a zero gradient',
        attrs: {},
        inputs: [tc([2, 3, 4]), d.targets([2, 4], 3), d.zeros([2, 4])],
        grad: noGrad,
      },
      {
        name: 'more positions than the 1024 x 256 partial threads [1,2,64,64,66], masked',
        attrs: { gamma: 2, class_weights: [0.1, 1] },
        inputs: [tc([1, 2, 64, 64, 66], -3, 3), d.targets([1, 64, 64, 66], 2), d.mask([1, 64, 64, 66])],
        grad: noGrad,
      },
    ]),
  ],
};
