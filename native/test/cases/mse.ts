import { classData } from '../support/class-targets.js';
import { randomMask } from '../support/loss-inputs.js';
import { mse64 } from '../support/loss-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(44);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'mse'>[] = [
  { name: '[1]', attrs: {}, inputs: [t([1]), t([1]), null] },
  {
    name: 'side output vs evidence map [1,1,3,5,7]',
    attrs: {},
    inputs: [t([1, 1, 3, 5, 7]), t([1, 1, 3, 5, 7]), null],
  },
  {
    name: 'weighted [2,3,5]',
    attrs: {},
    inputs: [t([2, 3, 5]), t([2, 3, 5]), randomMask([2, 3, 5], r, 0.3, 'weights')],
  },
  { name: 'several chunks [70001]', attrs: {}, inputs: [t([70001]), t([70001]), null] },
];

const tc = tensors(31);
const d = classData(131);

export const mse: OpTable<'mse'> = {
  op: 'mse',
  reference:
    (_attrs) =>
    ([a, b, w]) => [mse64(a as Ref, b as Ref, w ?? null)],
  // Sums in double on both sides over different partial orders; the gradient is the CPU's
  // float expression with the same float factor 2 g / sum w.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'mse'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        grad: [true, true, false].slice(0, c.inputs.length),
        tol: { rtol: 1e-5, atol: 1e-7 },
      })),
    ),
    ...withChecks<'mse'>(cudaOnly, [
      { name: 'mean [2,3,4,5,6]', attrs: {}, inputs: [tc([2, 3, 4, 5, 6]), tc([2, 3, 4, 5, 6]), null] },
      {
        name: 'weighted [3,7,11], weights with zeros',
        attrs: {},
        inputs: [tc([3, 7, 11]), tc([3, 7, 11]), d.mask([3, 7, 11])],
        grad: [true, true, false],
      },
      {
        name: 'all-zero weights: 0 and zero gradients',
        attrs: {},
        inputs: [tc([4, 5]), tc([4, 5]), d.zeros([4, 5])],
        grad: [true, true, false],
      },
      { name: 'one element [1]', attrs: {}, inputs: [tc([1]), tc([1]), null] },
      {
        name: 'only dL/db [5,9]',
        attrs: {},
        inputs: [tc([5, 9]), tc([5, 9]), null],
        grad: [false, true, false],
      },
      {
        name: 'more elements than the 1024 x 256 partial threads [2,64,64,33], weighted',
        attrs: {},
        inputs: [tc([2, 64, 64, 33]), tc([2, 64, 64, 33]), d.mask([2, 64, 64, 33])],
        grad: [true, true, false],
      },
      { name: 'empty [0,4]', attrs: {}, inputs: [tc([0, 4]), tc([0, 4]), null] },
    ]),
  ],
};
