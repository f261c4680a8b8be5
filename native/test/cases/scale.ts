import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const reference = ([x, s]: (Ref | null)[]): Ref[] => {
  const k = (s as Ref).data[0] as number;
  return [{ data: (x as Ref).data.map((v) => v * k), shape: (x as Ref).shape }];
};

const r = rng(34);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'scale'>[] = [
  { name: '[1]', attrs: {}, inputs: [t([1]), t([1])] },
  { name: 'odd 5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9]), t([1])] },
  { name: 'several reduction chunks [40003]', attrs: {}, inputs: [t([40003]), t([1])] },
];

const tc = tensors(7);

export const scale: OpTable<'scale'> = {
  op: 'scale',
  reference: () => reference,
  // The scalar's gradient sums in double on both sides, in different orders.
  cudaTol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    ...withChecks<'scale'>(float64Only, float64Cases),
    ...withChecks<'scale'>(cudaOnly, [
      { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [tc([2, 3, 4, 5, 6]), tc([1])] },
      { name: 'long [100000]', attrs: {}, inputs: [tc([100000]), tc([1])] },
    ]),
  ],
};
