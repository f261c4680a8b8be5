import { type OpTable, tensors } from '../table.js';

const t = tensors(18);

// Exact: a copy.
export const reshape: OpTable<'reshape'> = {
  op: 'reshape',
  tol: { rtol: 0, atol: 0 },
  cases: [
    { name: 'flatten spatial axes', attrs: { shape: [2, 3, -1] }, inputs: [t([2, 3, 4, 5, 6])] },
    { name: 'to rank 5 with size-1 axes', attrs: { shape: [1, 1, 7, 1, 5] }, inputs: [t([35])] },
    { name: 'odd sizes', attrs: { shape: [3, 5, 7] }, inputs: [t([7, 15])] },
  ],
};
