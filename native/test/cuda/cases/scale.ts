import { type OpTable, tensors } from '../table.js';

const t = tensors(7);

// The scalar's gradient sums in double on both sides, in different orders.
export const scale: OpTable<'scale'> = {
  op: 'scale',
  tol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6]), t([1])] },
    { name: 'long [100000]', attrs: {}, inputs: [t([100000]), t([1])] },
  ],
};
