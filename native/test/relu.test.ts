import { describe, it } from 'vitest';
import { forward } from '../lib/index.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const reference = ([x]: (Ref | null)[]): Ref[] => {
  const t = x as Ref;
  return [{ data: t.data.map((v) => (v > 0 ? v : 0)), shape: t.shape }];
};

const r = rng(7);
// Values kept away from 0, where relu has no derivative and finite differences straddle the kink.
const away = (shape: number[]) => {
  const t = randTensor(shape, r);
  t.data.forEach((v, i) => {
    t.data[i] = v >= 0 ? v + 0.05 : v - 0.05;
  });
  return t;
};

const cases: OpCase<'relu'>[] = [
  { name: 'scalar-like [1]', attrs: {}, inputs: [away([1])] },
  { name: 'odd 5D [1,3,5,7,9]', attrs: {}, inputs: [away([1, 3, 5, 7, 9])] },
  { name: 'size-1 dims [2,1,1,1,17]', attrs: {}, inputs: [away([2, 1, 1, 1, 17])] },
  { name: 'larger than one task [70000]', attrs: {}, inputs: [away([70000])] },
];

describe('relu', () => {
  it.each(cases)('$name', (c) => checkOp('relu', c, reference));

  it('rejects a Float64Array', () =>
    expectThrows(
      () => forward('relu', {}, [{ data: new Float64Array(2) as unknown as Float32Array, shape: [2] }]),
      TypeError,
      'relu',
      'Float32Array',
    ));
  it('rejects a length that does not match the shape', () =>
    expectThrows(
      () => forward('relu', {}, [{ data: new Float32Array(5), shape: [2, 3] }]),
      TypeError,
      'relu',
      '[2, 3]',
    ));
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('relu', { alpha: 1 } as never, [randTensor([2], r)]),
      TypeError,
      "unknown attribute 'alpha'",
    ));
  it('rejects a missing input', () =>
    expectThrows(() => forward('relu', {}, []), TypeError, 'relu', 'expected 1 inputs'));
  it('rejects a negative dimension', () =>
    expectThrows(
      () => forward('relu', {}, [{ data: new Float32Array(0), shape: [-1] }]),
      RangeError,
      'negative',
    ));
  it('rejects a shape whose product overflows', () =>
    expectThrows(
      () => forward('relu', {}, [{ data: new Float32Array(1), shape: [2 ** 30, 2 ** 30, 2 ** 30] }]),
      RangeError,
      'overflows',
    ));
});
