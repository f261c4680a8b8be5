import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const reference = ([x]: (Ref | null)[]): Ref[] => {
  const t = x as Ref;
  return [{ data: t.data.map((v) => 1 / (1 + Math.exp(-v))), shape: t.shape }];
};

const r = rng(12);
const float64Cases: OpCase<'sigmoid'>[] = [
  { name: '[1]', attrs: {}, inputs: [randTensor([1], r)] },
  {
    name: 'odd 5D [1,3,5,7,9], values in [-6, 6)',
    attrs: {},
    inputs: [randTensor([1, 3, 5, 7, 9], r, -6, 6)],
  },
  { name: 'size-1 dims [2,1,1,1,17]', attrs: {}, inputs: [randTensor([2, 1, 1, 1, 17], r)] },
  { name: 'larger than one task [33001]', attrs: {}, inputs: [randTensor([33001], r, -4, 4)] },
];

const t = tensors(3);

export const sigmoid: OpTable<'sigmoid'> = {
  op: 'sigmoid',
  reference: () => reference,
  // expf on the GPU vs std::exp on the CPU: last-ulp differences.
  cudaTol: { rtol: 1e-6, atol: 1e-9 },
  cases: [
    ...withChecks<'sigmoid'>(float64Only, float64Cases),
    ...withChecks<'sigmoid'>(cudaOnly, [
      { name: 'wide range [3,4,5,6]', attrs: {}, inputs: [t([3, 4, 5, 6], -30, 30)] },
      { name: 'small [7]', attrs: {}, inputs: [t([7])] },
    ]),
  ],
};
