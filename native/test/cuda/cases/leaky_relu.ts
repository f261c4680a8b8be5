import { type OpTable, tensors } from '../table.js';

const t = tensors(2);

// Same float expression; the compiler may contract differently.
export const leakyRelu: OpTable<'leaky_relu'> = {
  op: 'leaky_relu',
  tol: { rtol: 1e-7, atol: 0 },
  cases: [
    { name: 'slope 0.2 [2,4,6,6,6]', attrs: { slope: 0.2 }, inputs: [t([2, 4, 6, 6, 6])] },
    { name: 'default slope [1000]', attrs: {}, inputs: [t([1000])] },
  ],
};
