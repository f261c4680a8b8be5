import { type OpTable, tensors } from '../table.js';

const t = tensors(1);

// Same float expression on both sides.
export const relu: OpTable<'relu'> = {
  op: 'relu',
  tol: { rtol: 0, atol: 0 },
  cases: [
    { name: '5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9])] },
    { name: 'long [70001]', attrs: {}, inputs: [t([70001])] },
  ],
};
