import { paste64 } from '../support/region-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(22);
const float64Cases: OpCase<'paste'>[] = [
  {
    name: 'patch covers base',
    attrs: { offset: [0, 0, 0] },
    inputs: [randTensor([1, 2, 2, 3, 4], r), randTensor([1, 2, 2, 3, 4], r)],
  },
  {
    name: 'interior of an odd volume',
    attrs: { offset: [1, 2, 3] },
    inputs: [randTensor([2, 3, 5, 7, 9], r), randTensor([2, 3, 3, 4, 5], r)],
  },
  {
    name: 'single voxel at the far corner',
    attrs: { offset: [4, 6, 8] },
    inputs: [randTensor([1, 1, 5, 7, 9], r), randTensor([1, 1, 1, 1, 1], r)],
  },
  {
    name: 'size-1 dims',
    attrs: { offset: [0, 1, 0] },
    inputs: [randTensor([1, 1, 1, 3, 17], r), randTensor([1, 1, 1, 2, 17], r)],
  },
  {
    name: 'many rows [2,4,12,30,20]',
    attrs: { offset: [2, 5, 3] },
    inputs: [randTensor([2, 4, 12, 30, 20], r), randTensor([2, 4, 9, 20, 13], r)],
  },
];

const t = tensors(15);

export const paste: OpTable<'paste'> = {
  op: 'paste',
  reference:
    (attrs) =>
    ([b, p]: (Ref | null)[]) => [paste64(b as Ref, p as Ref, attrs.offset)],
  // Exact: data movement only.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'paste'>(float64Only, float64Cases),
    ...withChecks<'paste'>(cudaOnly, [
      {
        name: 'inner region of odd sizes',
        attrs: { offset: [1, 2, 3] },
        inputs: [t([2, 3, 7, 8, 9]), t([2, 3, 4, 5, 3])],
      },
      {
        name: 'patch covers the whole base',
        attrs: { offset: [0, 0, 0] },
        inputs: [t([1, 2, 3, 4, 5]), t([1, 2, 3, 4, 5])],
      },
      {
        name: 'one voxel at the far corner',
        attrs: { offset: [4, 4, 4] },
        inputs: [t([1, 1, 5, 5, 5]), t([1, 1, 1, 1, 1])],
      },
      {
        name: 'only the patch gradient',
        attrs: { offset: [0, 1, 2] },
        inputs: [t([1, 2, 3, 3, 4]), t([1, 2, 2, 2, 2])],
        grad: [false, true],
      },
      {
        name: 'only the base gradient',
        attrs: { offset: [2, 0, 1] },
        inputs: [t([1, 2, 3, 3, 4]), t([1, 2, 1, 3, 2])],
        grad: [true, false],
      },
    ]),
  ],
};
