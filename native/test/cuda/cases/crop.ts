import { type OpTable, tensors } from '../table.js';

const t = tensors(14);

// Exact: data movement only.
export const crop: OpTable<'crop'> = {
  op: 'crop',
  tol: { rtol: 0, atol: 0 },
  cases: [
    {
      name: 'inner region of odd sizes',
      attrs: { offset: [1, 2, 3], size: [4, 5, 3] },
      inputs: [t([2, 3, 7, 8, 9])],
    },
    { name: 'the whole volume', attrs: { offset: [0, 0, 0], size: [3, 4, 5] }, inputs: [t([1, 2, 3, 4, 5])] },
    {
      name: 'one voxel at the far corner',
      attrs: { offset: [4, 0, 5], size: [1, 1, 1] },
      inputs: [t([1, 2, 5, 1, 6])],
    },
  ],
};
