import { describe, it } from 'vitest';
import { forward } from '../lib/index.js';
import { relu } from './cases/relu.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(7);

describe('relu', () => {
  float64Suite(relu);

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
