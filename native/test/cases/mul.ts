import { broadcastCases, broadcastReference } from '../support/broadcast-cases.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const t = tensors(5);

// Broadcast-axis reductions of the gradient sum in double, in different orders.
export const mul: OpTable<'mul'> = {
  op: 'mul',
  reference: () => broadcastReference((x, y) => x * y),
  cudaTol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    ...withChecks<'mul'>(float64Only, broadcastCases<'mul'>(32)),
    ...withChecks<'mul'>(cudaOnly, [
      { name: 'same shape', attrs: {}, inputs: [t([2, 3, 4, 5]), t([2, 3, 4, 5])] },
      {
        name: 'per-channel gate [2,8,4,4,4] * [1,8,1,1,1]',
        attrs: {},
        inputs: [t([2, 8, 4, 4, 4]), t([1, 8, 1, 1, 1])],
      },
      { name: 'both broadcast [1,5] * [4,1]', attrs: {}, inputs: [t([1, 5]), t([4, 1])] },
      { name: 'lower rank [5] * [3,4,5]', attrs: {}, inputs: [t([5]), t([3, 4, 5])] },
      { name: 'mask [2,1,4,4,4] * [2,3,4,4,4]', attrs: {}, inputs: [t([2, 1, 4, 4, 4]), t([2, 3, 4, 4, 4])] },
    ]),
  ],
};
