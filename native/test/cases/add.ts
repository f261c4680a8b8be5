import { broadcastCases, broadcastReference } from '../support/broadcast-cases.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const t = tensors(4);

// Broadcast-axis reductions of the gradient sum in double, in different orders.
export const add: OpTable<'add'> = {
  op: 'add',
  reference: () => broadcastReference((x, y) => x + y),
  cudaTol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    ...withChecks<'add'>(float64Only, broadcastCases<'add'>(31)),
    ...withChecks<'add'>(cudaOnly, [
      { name: 'same shape', attrs: {}, inputs: [t([2, 3, 4, 5]), t([2, 3, 4, 5])] },
      {
        name: 'per-channel bias [2,8,4,4,4] + [1,8,1,1,1]',
        attrs: {},
        inputs: [t([2, 8, 4, 4, 4]), t([1, 8, 1, 1, 1])],
      },
      { name: 'both broadcast [1,5] + [4,1]', attrs: {}, inputs: [t([1, 5]), t([4, 1])] },
      { name: 'lower rank [3,4,5] + [5]', attrs: {}, inputs: [t([3, 4, 5]), t([5])] },
      { name: 'middle axis [2,3,4,5] + [3,1,1]', attrs: {}, inputs: [t([2, 3, 4, 5]), t([3, 1, 1])] },
    ]),
  ],
};
