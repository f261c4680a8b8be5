import { crop64 } from '../support/region-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(21);
const float64Cases: OpCase<'crop'>[] = [
  {
    name: 'whole volume',
    attrs: { offset: [0, 0, 0], size: [2, 3, 4] },
    inputs: [randTensor([1, 2, 2, 3, 4], r)],
  },
  {
    name: 'interior of an odd volume',
    attrs: { offset: [1, 2, 3], size: [3, 4, 5] },
    inputs: [randTensor([2, 3, 5, 7, 9], r)],
  },
  {
    name: 'single voxel at the far corner',
    attrs: { offset: [4, 6, 8], size: [1, 1, 1] },
    inputs: [randTensor([1, 1, 5, 7, 9], r)],
  },
  {
    name: 'size-1 batch, channel and depth',
    attrs: { offset: [0, 1, 0], size: [1, 2, 17] },
    inputs: [randTensor([1, 1, 1, 3, 17], r)],
  },
  {
    name: 'many rows [2,4,12,30,20]',
    attrs: { offset: [2, 5, 3], size: [9, 20, 13] },
    inputs: [randTensor([2, 4, 12, 30, 20], r)],
  },
];

const t = tensors(14);

export const crop: OpTable<'crop'> = {
  op: 'crop',
  reference:
    (attrs) =>
    ([x]: (Ref | null)[]) => [crop64(x as Ref, attrs.offset, attrs.size)],
  // Exact: data movement only.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'crop'>(float64Only, float64Cases),
    ...withChecks<'crop'>(cudaOnly, [
      {
        name: 'inner region of odd sizes',
        attrs: { offset: [1, 2, 3], size: [4, 5, 3] },
        inputs: [t([2, 3, 7, 8, 9])],
      },
      {
        name: 'the whole volume',
        attrs: { offset: [0, 0, 0], size: [3, 4, 5] },
        inputs: [t([1, 2, 3, 4, 5])],
      },
      {
        name: 'one voxel at the far corner',
        attrs: { offset: [4, 0, 5], size: [1, 1, 1] },
        inputs: [t([1, 2, 5, 1, 6])],
      },
    ]),
  ],
};
