import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(25);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'reshape'>[] = [
  { name: '[2,3,4] -> [6,4]', attrs: { shape: [6, 4] }, inputs: [t([2, 3, 4])] },
  {
    name: 'GAP features [1,448,1,1,1] -> [1,448]',
    attrs: { shape: [1, -1] },
    inputs: [t([1, 448, 1, 1, 1])],
  },
  { name: 'inferred middle dim', attrs: { shape: [5, -1, 7] }, inputs: [t([35, 3])] },
  { name: 'to rank 1', attrs: { shape: [-1] }, inputs: [t([3, 1, 5])] },
  {
    name: 'larger than one task [70007] -> [7,10001]',
    attrs: { shape: [7, 10001] },
    inputs: [t([70007])],
  },
];

const tc = tensors(18);

export const reshape: OpTable<'reshape'> = {
  op: 'reshape',
  reference:
    ({ shape }) =>
    ([x]) => {
      const data = Float64Array.from((x as Ref).data);
      // -1 is the one extent the others leave: numel / the product of the rest.
      const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
      return [{ data, shape: shape.map((d) => (d === -1 ? data.length / known : d)) }];
    },
  // Exact: a copy.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'reshape'>(float64Only, float64Cases),
    ...withChecks<'reshape'>(cudaOnly, [
      { name: 'flatten spatial axes', attrs: { shape: [2, 3, -1] }, inputs: [tc([2, 3, 4, 5, 6])] },
      { name: 'to rank 5 with size-1 axes', attrs: { shape: [1, 1, 7, 1, 5] }, inputs: [tc([35])] },
      { name: 'odd sizes', attrs: { shape: [3, 5, 7] }, inputs: [tc([7, 15])] },
    ]),
  ],
};
