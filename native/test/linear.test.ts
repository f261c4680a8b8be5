import { describe, expect, it } from 'vitest';
import { backward, forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

/** F.linear in float64. */
const reference = ([x, w, b]: (Ref | null)[]): Ref[] => {
  const [n, f] = (x as Ref).shape as [number, number];
  const o = (w as Ref).shape[0] as number;
  const y = new Float64Array(n * o);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < o; c++) {
      let s = b ? (b.data[c] as number) : 0;
      for (let k = 0; k < f; k++)
        s += ((x as Ref).data[i * f + k] as number) * ((w as Ref).data[c * f + k] as number);
      y[i * o + c] = s;
    }
  return [{ data: y, shape: [n, o] }];
};

const r = rng(35);
const t = (s: number[]) => randTensor(s, r);
const cases: OpCase<'linear'>[] = [
  { name: 'classifier 448 -> 3 with bias, N=1', attrs: {}, inputs: [t([1, 448]), t([3, 448]), t([3])] },
  { name: 'no bias, odd F=13', attrs: {}, inputs: [t([5, 13]), t([7, 13]), null] },
  { name: 'F=1, O=1', attrs: {}, inputs: [t([3, 1]), t([1, 1]), t([1])] },
  { name: 'F=17 (not a multiple of 8), N=4, O=9', attrs: {}, inputs: [t([4, 17]), t([9, 17]), t([9])] },
];

describe('linear', () => {
  it.each(cases)('$name', (c) => checkOpSampled('linear', c, reference));

  it('infers [N, O]', () => expect(inferShapes('linear', {}, [[2, 5], [3, 5], [3]])).toEqual([[2, 3]]));
  it('rejects mismatched features', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 4]), null]),
      TypeError,
      'linear',
      'w [3, 4]',
      'F = 5',
    ));
  it('rejects a bias of the wrong length', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 5]), t([4])]),
      TypeError,
      'linear',
      'b must have shape [3]',
      '[4]',
    ));
  it('rejects x of rank 3', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5, 1]), t([3, 5]), null]),
      TypeError,
      'linear',
      'rank 2',
    ));
  it('rejects a bias of shape [] (which shape inference cannot tell from an absent one)', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 5]), { data: new Float32Array(1), shape: [] }]),
      TypeError,
      'linear',
      "input 'b' has rank 0",
    ));
  it('rejects a bias of shape [] in backward too', () =>
    expectThrows(
      () =>
        backward(
          'linear',
          {},
          [t([2, 5]), t([3, 5]), { data: new Float32Array(1), shape: [] }],
          [t([2, 3])],
          [t([2, 3])],
          [true, true, true],
        ),
      TypeError,
      "input 'b' has rank 0",
    ));
  it('rejects a missing weight', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), null, null]),
      TypeError,
      'linear',
      "input 'w' is required",
    ));
});
