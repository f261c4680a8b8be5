import { type OpTable, tensors } from '../table.js';

const t = tensors(17);

// Exact: data movement only.
export const slice: OpTable<'slice'> = {
  op: 'slice',
  tol: { rtol: 0, atol: 0 },
  cases: [
    { name: 'one channel', attrs: { axis: 1, start: 1, length: 1 }, inputs: [t([2, 3, 4, 5, 6])] },
    { name: 'last axis (axis -1)', attrs: { axis: -1, start: 2, length: 3 }, inputs: [t([2, 3, 7])] },
    { name: 'the whole of axis 0', attrs: { axis: 0, start: 0, length: 3 }, inputs: [t([3, 4])] },
    {
      name: 'last index of an odd axis',
      attrs: { axis: 2, start: 4, length: 1 },
      inputs: [t([1, 2, 5, 3, 3])],
    },
    { name: 'empty slice', attrs: { axis: 1, start: 2, length: 0 }, inputs: [t([2, 3, 4])] },
  ],
};
