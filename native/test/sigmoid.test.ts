import { describe, expect, it } from 'vitest';
import { forward } from '../lib/index.js';
import { sigmoid } from './cases/sigmoid.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(12);

describe('sigmoid', () => {
  float64Suite(sigmoid);

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
