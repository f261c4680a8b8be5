import { type OpTable, tensors } from '../table.js';

const t = tensors(27);

// y's dot products are summed in double on the GPU, in float lanes on the CPU; dx, dw and db
// use the CPU's expressions in its order (they match to the last bit barring a bug).
export const linear: OpTable<'linear'> = {
  op: 'linear',
  tol: { rtol: 1e-5, atol: 1e-5 },
  cases: [
    {
      name: 'DeepSC-COVID classifier [4,448] -> 3, bias',
      attrs: {},
      inputs: [t([4, 448]), t([3, 448]), t([3])],
    },
    { name: 'odd widths [5,37] -> 33, no bias', attrs: {}, inputs: [t([5, 37]), t([33, 37]), null] },
    { name: 'size 1 [1,1] -> 1, bias', attrs: {}, inputs: [t([1, 1]), t([1, 1]), t([1])] },
    {
      name: 'more outputs than a block [3,70] -> 300, bias',
      attrs: {},
      inputs: [t([3, 70]), t([300, 70]), t([300])],
    },
    { name: 'empty batch [0,5] -> 3, bias', attrs: {}, inputs: [t([0, 5]), t([3, 5]), t([3])] },
  ],
};
