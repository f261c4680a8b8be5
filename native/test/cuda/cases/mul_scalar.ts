import { type OpTable, tensors } from '../table.js';

const t = tensors(6);

// One multiplication on both sides.
export const mulScalar: OpTable<'mul_scalar'> = {
  op: 'mul_scalar',
  tol: { rtol: 0, atol: 0 },
  cases: [{ name: 'value 2.5 [2,3,17]', attrs: { value: 2.5 }, inputs: [t([2, 3, 17])] }],
};
