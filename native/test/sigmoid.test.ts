import { describe, expect, it } from 'vitest';
import { forward } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const reference = ([x]: (Ref | null)[]): Ref[] => {
  const t = x as Ref;
  return [{ data: t.data.map((v) => 1 / (1 + Math.exp(-v))), shape: t.shape }];
};

const r = rng(12);
const cases: OpCase<'sigmoid'>[] = [
  { name: '[1]', attrs: {}, inputs: [randTensor([1], r)] },
  {
    name: 'odd 5D [1,3,5,7,9], values in [-6, 6)',
    attrs: {},
    inputs: [randTensor([1, 3, 5, 7, 9], r, -6, 6)],
  },
  { name: 'size-1 dims [2,1,1,1,17]', attrs: {}, inputs: [randTensor([2, 1, 1, 1, 17], r)] },
  { name: 'larger than one task [33001]', attrs: {}, inputs: [randTensor([33001], r, -4, 4)] },
];

describe('sigmoid', () => {
  it.each(cases)('$name', (c) => checkOpSampled('sigmoid', c, reference));

  it('saturates without overflow or NaN for |x| up to 1e30', () => {
    const x = new Float32Array([-1e30, -200, -88, 0, 88, 200, 1e30]);
    const [y] = forward('sigmoid', {}, [{ data: x, shape: [7] }]);
    const got = Array.from(y?.data ?? []);
    expect(got.every((v) => Number.isFinite(v))).toBe(true);
    expect(got[0]).toBe(0);
    expect(got[3]).toBe(0.5);
    expect(got[6]).toBe(1);
    expect(got[2]).toBeCloseTo(Math.exp(-88), 40);
  });
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('sigmoid', { slope: 1 } as never, [randTensor([2], r)]),
      TypeError,
      'sigmoid',
      "unknown attribute 'slope'",
    ));
  it('rejects a missing input', () =>
    expectThrows(() => forward('sigmoid', {}, []), TypeError, 'sigmoid', 'expected 1 inputs'));
});
