import { type OpTable, tensors } from '../table.js';

const t = tensors(24);

// The same float expressions in the same channel order; expf on the GPU and std::exp on the
// CPU may differ in the last ulp, which the division and the gradient's dot carry along.
export const softmax: OpTable<'softmax'> = {
  op: 'softmax',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6])] },
    { name: 'rank 2 [7,10] (class scores)', attrs: {}, inputs: [t([7, 10])] },
    { name: 'one channel [3,1,5]', attrs: {}, inputs: [t([3, 1, 5])] },
    { name: 'large logits in [-60, 60) [2,5,33]', attrs: {}, inputs: [t([2, 5, 33], -60, 60)] },
    { name: 'several blocks of positions [2,4,17,19]', attrs: {}, inputs: [t([2, 4, 17, 19])] },
  ],
};
