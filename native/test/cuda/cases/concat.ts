import { type OpTable, tensors } from '../table.js';

const t = tensors(16);

// Exact: data movement only.
export const concat: OpTable<'concat'> = {
  op: 'concat',
  tol: { rtol: 0, atol: 0 },
  cases: [
    {
      name: 'three inputs along channels (default axis)',
      attrs: {},
      inputs: [t([2, 1, 3, 4, 5]), t([2, 3, 3, 4, 5]), t([2, 2, 3, 4, 5])],
    },
    {
      name: 'three inputs along W (axis -1)',
      attrs: { axis: -1 },
      inputs: [t([1, 2, 3, 4, 1]), t([1, 2, 3, 4, 5]), t([1, 2, 3, 4, 2])],
    },
    {
      name: 'three inputs along axis 0',
      attrs: { axis: 0 },
      inputs: [t([1, 3, 4]), t([2, 3, 4]), t([3, 3, 4])],
    },
    {
      name: 'along D, the middle input without a gradient',
      attrs: { axis: 2 },
      inputs: [t([1, 2, 3, 2, 3]), t([1, 2, 1, 2, 3]), t([1, 2, 2, 2, 3])],
      needGrad: [true, false, true],
    },
    { name: 'one input', attrs: { axis: 1 }, inputs: [t([2, 3, 4])] },
    { name: 'rank 2 along columns', attrs: { axis: 1 }, inputs: [t([3, 5]), t([3, 1])] },
  ],
};
