import { type OpTable, tensors } from '../table.js';

const t = tensors(15);

// Exact: data movement only.
export const paste: OpTable<'paste'> = {
  op: 'paste',
  tol: { rtol: 0, atol: 0 },
  cases: [
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
      needGrad: [false, true],
    },
    {
      name: 'only the base gradient',
      attrs: { offset: [2, 0, 1] },
      inputs: [t([1, 2, 3, 3, 4]), t([1, 2, 1, 3, 2])],
      needGrad: [true, false],
    },
  ],
};
