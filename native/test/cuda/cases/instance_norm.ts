import { type OpTable, tensors } from '../table.js';

const t = tensors(22);

// group_norm's kernels (one channel per group): same reasons and tolerance.
export const instanceNorm: OpTable<'instance_norm'> = {
  op: 'instance_norm',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    {
      name: '5D [2,3,4,5,6] with gamma and beta',
      attrs: {},
      inputs: [t([2, 3, 4, 5, 6]), t([3], 0.5, 1.5), t([3])],
    },
    { name: 'rank 3 [3,5,7], no affine', attrs: {}, inputs: [t([3, 5, 7]), null, null] },
    {
      name: 'size-1 dims [1,1,1,1,33], eps 1e-3',
      attrs: { eps: 1e-3 },
      inputs: [t([1, 1, 1, 1, 33]), t([1]), null],
    },
    { name: 'two chunks per row [1,2,17,33,31]', attrs: {}, inputs: [t([1, 2, 17, 33, 31]), t([2]), t([2])] },
  ],
};
