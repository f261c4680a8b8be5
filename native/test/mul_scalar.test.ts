import { describe, it } from 'vitest';
import { forward } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const r = rng(33);
const cases: OpCase<'mul_scalar'>[] = [
  { name: 'value 2 on [1]', attrs: { value: 2 }, inputs: [randTensor([1], r)] },
  {
    name: 'value -0.25 on odd 5D [2,3,5,7,9]',
    attrs: { value: -0.25 },
    inputs: [randTensor([2, 3, 5, 7, 9], r)],
  },
  { name: 'value 0 on [4,1]', attrs: { value: 0 }, inputs: [randTensor([4, 1], r)] },
  { name: 'larger than one task [33001]', attrs: { value: 5 }, inputs: [randTensor([33001], r)] },
];

describe('mul_scalar', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('mul_scalar', c, ([x]: (Ref | null)[]) => [
      { data: (x as Ref).data.map((v) => v * c.attrs.value), shape: (x as Ref).shape },
    ]),
  );
  it('rejects a missing value', () =>
    expectThrows(
      () => forward('mul_scalar', {} as never, [randTensor([2], r)]),
      TypeError,
      'mul_scalar',
      "'value' is required",
    ));
  it('rejects a NaN value', () =>
    expectThrows(
      () => forward('mul_scalar', { value: Number.NaN }, [randTensor([2], r)]),
      RangeError,
      'mul_scalar',
      'finite',
    ));
});
