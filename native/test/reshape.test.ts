import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const r = rng(25);
const t = (s: number[]) => randTensor(s, r);
const cases: (OpCase<'reshape'> & { want: number[] })[] = [
  { name: '[2,3,4] -> [6,4]', attrs: { shape: [6, 4] }, inputs: [t([2, 3, 4])], want: [6, 4] },
  {
    name: 'GAP features [1,448,1,1,1] -> [1,448]',
    attrs: { shape: [1, -1] },
    inputs: [t([1, 448, 1, 1, 1])],
    want: [1, 448],
  },
  { name: 'inferred middle dim', attrs: { shape: [5, -1, 7] }, inputs: [t([35, 3])], want: [5, 3, 7] },
  { name: 'to rank 1', attrs: { shape: [-1] }, inputs: [t([3, 1, 5])], want: [15] },
  {
    name: 'larger than one task [70007] -> [7,10001]',
    attrs: { shape: [7, 10001] },
    inputs: [t([70007])],
    want: [7, 10001],
  },
];

describe('reshape', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('reshape', c, ([x]) => [{ data: Float64Array.from((x as Ref).data), shape: c.want }]),
  );

  it('infers -1', () => expect(inferShapes('reshape', { shape: [-1, 2] }, [[3, 4]])).toEqual([[6, 2]]));
  const x = t([2, 3]);
  it('rejects a different element count', () =>
    expectThrows(
      () => forward('reshape', { shape: [4, 2] }, [x]),
      RangeError,
      'reshape',
      '[4, 2] holds 8',
      '[2, 3] holds 6',
    ));
  it('rejects a -1 that does not divide', () =>
    expectThrows(() => forward('reshape', { shape: [4, -1] }, [x]), RangeError, 'reshape', 'cannot infer'));
  it('rejects two -1', () =>
    expectThrows(
      () => forward('reshape', { shape: [-1, -1] }, [x]),
      RangeError,
      'reshape',
      'more than one -1',
    ));
  it('rejects -2', () =>
    expectThrows(() => forward('reshape', { shape: [-2, -3] }, [x]), RangeError, 'reshape', 'entry -2'));
  it('rejects a missing shape', () =>
    expectThrows(() => forward('reshape', {} as never, [x]), TypeError, 'reshape', "'shape' is required"));
});
