import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(33);
const float64Cases: OpCase<'mul_scalar'>[] = [
  { name: 'value 2 on [1]', attrs: { value: 2 }, inputs: [randTensor([1], r)] },
  {
    name: 'value -0.25 on odd 5D [2,3,5,7,9]',
    attrs: { value: -0.25 },
    inputs: [randTensor([2, 3, 5, 7, 9], r)],
  },
  { name: 'value 0 on [4,1]', attrs: { value: 0 }, inputs: [randTensor([4, 1], r)] },
  { name: 'larger than one task [33001]', attrs: { value: 5 }, inputs: [randTensor([33001], r)] },
];

const t = tensors(6);

export const mulScalar: OpTable<'mul_scalar'> = {
  op: 'mul_scalar',
  reference:
    (attrs) =>
    ([x]: (Ref | null)[]) => [{ data: (x as Ref).data.map((v) => v * attrs.value), shape: (x as Ref).shape }],
  // One multiplication on both sides.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'mul_scalar'>(float64Only, float64Cases),
    ...withChecks<'mul_scalar'>(cudaOnly, [
      { name: 'value 2.5 [2,3,17]', attrs: { value: 2.5 }, inputs: [t([2, 3, 17])] },
    ]),
  ],
};
