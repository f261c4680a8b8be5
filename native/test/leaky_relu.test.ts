import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { leakyRelu } from './cases/leaky_relu.js';
import { away as awayFrom } from './support/away.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows } from './support/testing.js';

const away = awayFrom(11);

describe('leaky_relu', () => {
  float64Suite(leakyRelu);

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
