import { type OpTable, tensors } from '../table.js';

const t = tensors(3);

// expf on the GPU vs std::exp on the CPU: last-ulp differences.
export const sigmoid: OpTable<'sigmoid'> = {
  op: 'sigmoid',
  tol: { rtol: 1e-6, atol: 1e-9 },
  cases: [
    { name: 'wide range [3,4,5,6]', attrs: {}, inputs: [t([3, 4, 5, 6], -30, 30)] },
    { name: 'small [7]', attrs: {}, inputs: [t([7])] },
  ],
};
