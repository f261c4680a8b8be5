import { describe, it } from 'vitest';
import { forward } from '../lib/index.js';
import { mulScalar } from './cases/mul_scalar.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(33);

describe('mul_scalar', () => {
  float64Suite(mulScalar);
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
