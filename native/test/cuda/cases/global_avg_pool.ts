import { type OpTable, tensors } from '../table.js';

const t = tensors(26);

// Row sums in double on both sides over different partial orders (the CPU's float lanes per
// chunk, the GPU's block tree); the gradient is the same float product on both.
export const globalAvgPool: OpTable<'global_avg_pool'> = {
  op: 'global_avg_pool',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6])] },
    { name: 'rank 3 [3,5,7]', attrs: {}, inputs: [t([3, 5, 7])] },
    { name: 'rank 4 [2,2,3,1]', attrs: {}, inputs: [t([2, 2, 3, 1])] },
    { name: 'size-1 everything [1,1,1,1,1]', attrs: {}, inputs: [t([1, 1, 1, 1, 1])] },
    { name: 'several blocks per row [2,3,9,9,9]', attrs: {}, inputs: [t([2, 3, 9, 9, 9])] },
    { name: 'two chunks per row [1,2,20,30,31]', attrs: {}, inputs: [t([1, 2, 20, 30, 31])] },
  ],
};
