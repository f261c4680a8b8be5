import { classData } from '../support/class-targets.js';
import { classTarget, randomMask } from '../support/loss-inputs.js';
import { classLoss64 } from '../support/loss-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(41);
const t = (s: number[], lo = -2, hi = 2) => randTensor(s, r, lo, hi);
const noTargetGrad = [true, false, false];

const float64Cases: OpCase<'cross_entropy'>[] = [
  {
    name: 'classifier [1,3], weights (0.5, 1, 1)',
    attrs: { class_weights: [0.5, 1, 1] },
    inputs: [t([1, 3]), classTarget([1], 3, r), null],
  },
  { name: 'batch [4,3], no weights', attrs: {}, inputs: [t([4, 3]), classTarget([4], 3, r), null] },
  {
    name: 'segmentation [2,2,3,4,5], weights (0.1, 1), lung mask',
    attrs: { class_weights: [0.1, 1] },
    inputs: [t([2, 2, 3, 4, 5]), classTarget([2, 3, 4, 5], 2, r), randomMask([2, 3, 4, 5], r)],
  },
  {
    name: 'target and mask with a size-1 channel axis [1,1,3,1,7], fractional mask',
    attrs: {},
    inputs: [
      t([1, 4, 3, 1, 7]),
      classTarget([1, 1, 3, 1, 7], 4, r),
      randomMask([1, 1, 3, 1, 7], r, 0.2, 'weights'),
    ],
  },
  { name: 'one class [2,1,3] (loss 0)', attrs: {}, inputs: [t([2, 1, 3]), classTarget([2, 3], 1, r), null] },
  {
    name: 'several tasks [2,3,40,300]',
    attrs: { class_weights: [1, 2, 0.5] },
    inputs: [t([2, 3, 40, 300]), classTarget([2, 40, 300], 3, r), null],
  },
];

const tc = tensors(28);
const d = classData(128);
const noGrad = [true, false, false];

export const crossEntropy: OpTable<'cross_entropy'> = {
  op: 'cross_entropy',
  reference:
    (attrs) =>
    ([x, y, m]) => [classLoss64(x as Ref, y as Ref, m ?? null, attrs.class_weights, 0)],
  // Both sum the loss in double; the GPU's expf may differ from std::exp in the last ulp inside
  // the log-sum-exp, and the partial sums are added in another order.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'cross_entropy'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        grad: noTargetGrad.slice(0, c.inputs.length),
        tol: { rtol: 1e-5, atol: 1e-6 },
      })),
    ),
    ...withChecks<'cross_entropy'>(cudaOnly, [
      {
        name: '5D [2,3,4,5,6], class weights (0.5, 1, 1)',
        attrs: { class_weights: [0.5, 1, 1] },
        inputs: [tc([2, 3, 4, 5, 6], -3, 3), d.targets([2, 4, 5, 6], 3), null],
        grad: noGrad,
      },
      {
        name: 'target and mask with a channel axis [2,1,3,5,7], 2 classes weighted (0.1, 1)',
        attrs: { class_weights: [0.1, 1] },
        inputs: [tc([2, 2, 3, 5, 7], -3, 3), d.targets([2, 1, 3, 5, 7], 2), d.mask([2, 1, 3, 5, 7])],
        grad: noGrad,
      },
      {
        name: 'classifier [7,10], mask [7]',
        attrs: {},
        inputs: [tc([7, 10], -4, 4), d.targets([7], 10), d.mask([7])],
        grad: noGrad,
      },
      {
        name: 'one class [3,1,5]',
        attrs: {},
        inputs: [tc([3, 1, 5]), d.zeros([3, 5]), null],
        grad: noGrad,
      },
      {
        name: 'everything masked: 0 and a zero gradient',
        attrs: {},
        inputs: [tc([2, 3, 4]), d.targets([2, 4], 3), d.zeros([2, 4])],
        grad: noGrad,
      },
      {
        name: 'confident logits in [-30, 30)',
        attrs: {},
        inputs: [tc([2, 4, 37], -30, 30), d.targets([2, 37], 4), null],
        grad: noGrad,
      },
      {
        name: 'more positions than the 1024 x 256 partial threads [1,2,64,64,66], masked',
        attrs: { class_weights: [0.1, 1] },
        inputs: [tc([1, 2, 64, 64, 66], -3, 3), d.targets([1, 64, 64, 66], 2), d.mask([1, 64, 64, 66])],
        grad: noGrad,
      },
      {
        name: 'empty batch [0,3,4]',
        attrs: {},
        inputs: [tc([0, 3, 4]), d.targets([0, 4], 3), null],
        grad: noGrad,
      },
    ]),
  ],
};
