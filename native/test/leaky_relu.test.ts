import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const reference =
  (slope: number) =>
  ([x]: (Ref | null)[]): Ref[] => {
    const t = x as Ref;
    return [{ data: t.data.map((v) => (v > 0 ? v : slope * v)), shape: t.shape }];
  };

const r = rng(11);
// Kept away from the kink at 0, where finite differences would straddle two slopes.
const away = (shape: number[]) => {
  const t = randTensor(shape, r);
  t.data.forEach((v, i) => {
    t.data[i] = v >= 0 ? v + 0.05 : v - 0.05;
  });
  return t;
};

const cases: (OpCase<'leaky_relu'> & { slope: number })[] = [
  { name: 'default slope, [1]', attrs: {}, slope: 0.01, inputs: [away([1])] },
  { name: 'default slope, odd 5D [1,3,5,7,9]', attrs: {}, slope: 0.01, inputs: [away([1, 3, 5, 7, 9])] },
  {
    name: 'slope 0.2, size-1 dims [2,1,1,1,17]',
    attrs: { slope: 0.2 },
    slope: 0.2,
    inputs: [away([2, 1, 1, 1, 17])],
  },
  { name: 'negative slope -0.5, [3,13]', attrs: { slope: -0.5 }, slope: -0.5, inputs: [away([3, 13])] },
  { name: 'larger than one task [33001]', attrs: {}, slope: 0.01, inputs: [away([33001])] },
];

describe('leaky_relu', () => {
  it.each(cases)('$name', (c) => checkOpSampled('leaky_relu', c, reference(c.slope)));

  it('matches PyTorch at exactly 0 (output 0, gradient = slope)', () => {
    const [y] = forward('leaky_relu', { slope: 0.3 }, [{ data: new Float32Array([0, -0, 2]), shape: [3] }]);
    expect(Array.from(y?.data ?? [])).toEqual([0, -0, 2]);
  });
  it('keeps the shape', () => expect(inferShapes('leaky_relu', {}, [[2, 3, 4]])).toEqual([[2, 3, 4]]));
  it('rejects a non-numeric slope', () =>
    expectThrows(
      () => forward('leaky_relu', { slope: 'x' } as never, [away([2])]),
      TypeError,
      'leaky_relu',
      "'slope'",
    ));
  it('rejects an infinite slope', () =>
    expectThrows(
      () => forward('leaky_relu', { slope: Number.POSITIVE_INFINITY }, [away([2])]),
      RangeError,
      'leaky_relu',
      'finite',
    ));
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('leaky_relu', { alpha: 1 } as never, [away([2])]),
      TypeError,
      "unknown attribute 'alpha'",
    ));
  it('rejects two inputs', () =>
    expectThrows(
      () => forward('leaky_relu', {}, [away([2]), away([2])]),
      TypeError,
      'leaky_relu',
      'expected 1 inputs',
    ));
});
