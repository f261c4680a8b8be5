import { type OpTable, tensors } from '../table.js';

const t = tensors(21);
const affine = (c: number) => [t([c], 0.5, 1.5), t([c])];

// Statistics and gradient sums in double on both sides but over different partial orders
// (the CPU's float lanes per chunk, the GPU's block trees), and dx = a g + b x + d cancels.
export const groupNorm: OpTable<'group_norm'> = {
  op: 'group_norm',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    {
      name: '5D odd [1,4,3,5,7], 2 groups',
      attrs: { groups: 2 },
      inputs: [t([1, 4, 3, 5, 7]), ...affine(4)],
    },
    {
      name: 'size-1 spatial [2,6,1,1,9], 3 groups, gamma only',
      attrs: { groups: 3 },
      inputs: [t([2, 6, 1, 1, 9]), t([6], 0.5, 1.5), null],
    },
    { name: 'rank 3 [2,3,5], 1 group, no affine', attrs: { groups: 1 }, inputs: [t([2, 3, 5]), null, null] },
    { name: 'rank 4 [3,2,2,3], beta only', attrs: { groups: 2 }, inputs: [t([3, 2, 2, 3]), null, t([2])] },
    {
      name: 'one channel per group [1,8,3,3,17], eps 1e-3',
      attrs: { groups: 8, eps: 1e-3 },
      inputs: [t([1, 8, 3, 3, 17]), ...affine(8)],
    },
    {
      name: 'several blocks per row [2,4,7,9,11], 2 groups',
      attrs: { groups: 2 },
      inputs: [t([2, 4, 7, 9, 11]), ...affine(4)],
    },
    {
      name: 'two chunks per row [1,2,20,30,31], 1 group',
      attrs: { groups: 1 },
      inputs: [t([1, 2, 20, 30, 31]), ...affine(2)],
    },
  ],
};
