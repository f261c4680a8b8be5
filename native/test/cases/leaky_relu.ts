import { away } from '../support/away.js';
import type { Ref } from '../support/numeric.js';
import { cudaOnly, float64Only, type OpTable, tensors } from './table.js';

const a = away(11);
const t = tensors(2);

export const leakyRelu: OpTable<'leaky_relu'> = {
  op: 'leaky_relu',
  reference:
    ({ slope = 0.01 }) =>
    ([x]: (Ref | null)[]): Ref[] => {
      const v = x as Ref;
      return [{ data: v.data.map((e) => (e > 0 ? e : slope * e)), shape: v.shape }];
    },
  // Same float expression; the compiler may contract differently.
  cudaTol: { rtol: 1e-7, atol: 0 },
  cases: [
    // Kept away from the kink at 0, where finite differences would straddle two slopes.
    { name: 'default slope, [1]', attrs: {}, inputs: [a([1])], checks: float64Only },
    {
      name: 'default slope, odd 5D [1,3,5,7,9]',
      attrs: {},
      inputs: [a([1, 3, 5, 7, 9])],
      checks: float64Only,
    },
    {
      name: 'slope 0.2, size-1 dims [2,1,1,1,17]',
      attrs: { slope: 0.2 },
      inputs: [a([2, 1, 1, 1, 17])],
      checks: float64Only,
    },
    {
      name: 'negative slope -0.5, [3,13]',
      attrs: { slope: -0.5 },
      inputs: [a([3, 13])],
      checks: float64Only,
    },
    { name: 'larger than one task [33001]', attrs: {}, inputs: [a([33001])], checks: float64Only },
    { name: 'slope 0.2 [2,4,6,6,6]', attrs: { slope: 0.2 }, inputs: [t([2, 4, 6, 6, 6])], checks: cudaOnly },
    { name: 'default slope [1000]', attrs: {}, inputs: [t([1000])], checks: cudaOnly },
  ],
};
