import { away } from '../support/away.js';
import type { Ref } from '../support/numeric.js';
import { cudaOnly, float64Only, type OpTable, tensors } from './table.js';

const t = tensors(1);
const a = away(7);

export const relu: OpTable<'relu'> = {
  op: 'relu',
  reference:
    () =>
    ([x]: (Ref | null)[]): Ref[] => {
      const v = x as Ref;
      return [{ data: v.data.map((e) => Math.max(e, 0)), shape: v.shape }];
    },
  probes: 400,
  skipEmpty: false,
  // Same float expression on both sides.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    // Values kept away from 0, where relu has no derivative and finite differences straddle the kink.
    { name: 'scalar-like [1]', attrs: {}, inputs: [a([1])], checks: float64Only },
    { name: 'odd 5D [1,3,5,7,9]', attrs: {}, inputs: [a([1, 3, 5, 7, 9])], checks: float64Only },
    { name: 'size-1 dims [2,1,1,1,17]', attrs: {}, inputs: [a([2, 1, 1, 1, 17])], checks: float64Only },
    { name: 'larger than one task [70000]', attrs: {}, inputs: [a([70000])], checks: float64Only },
    { name: '5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9])], checks: cudaOnly },
    { name: 'long [70001]', attrs: {}, inputs: [t([70001])], checks: cudaOnly },
  ],
};
