import { describe, expect, it } from 'vitest';
import { backward, forward } from '../lib/index.js';
import { mse } from './cases/mse.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };

const r = rng(44);
const t = (s: number[]) => randTensor(s, r);

describe('mse', () => {
  float64Suite(mse);

  it('matches a case worked by hand', () => {
    // a = (1, 2), b = (0, 4): mean((1, -2)^2) = 2.5, dL/da = 2 (a - b) / 2 = (1, -2) = -dL/db.
    // With w = (3, 1): (3 * 1 + 1 * 4) / 4 = 1.75.
    const a = { data: new Float32Array([1, 2]), shape: [2] };
    const b = { data: new Float32Array([0, 4]), shape: [2] };
    const [loss] = forward('mse', {}, [a, b, null]);
    expect(loss?.data[0]).toBe(2.5);
    const [da, db] = backward('mse', {}, [a, b, null], [loss ?? a], [one], [true, true, false]);
    expect(Array.from(da?.data ?? [])).toEqual([1, -2]);
    expect(Array.from(db?.data ?? [])).toEqual([-1, 2]);
    const [weighted] = forward('mse', {}, [a, b, { data: new Float32Array([3, 1]), shape: [2] }]);
    expect(weighted?.data[0]).toBe(1.75);
  });
  it('is 0 with zero gradients when every weight is 0', () => {
    const a = t([3]);
    const w = { data: new Float32Array(3), shape: [3] };
    const [loss] = forward('mse', {}, [a, t([3]), w]);
    expect(loss?.data[0]).toBe(0);
    const [da] = backward('mse', {}, [a, t([3]), w], [loss ?? a], [one], [true, false, false]);
    expect(Array.from(da?.data ?? [])).toEqual([0, 0, 0]);
  });
  it('rejects b of another shape', () =>
    expectThrows(
      () => forward('mse', {}, [t([2, 3]), t([3, 2]), null]),
      TypeError,
      'mse',
      'b [3, 2]',
      'a [2, 3]',
    ));
  it('rejects a weight of another shape', () =>
    expectThrows(
      () => forward('mse', {}, [t([2, 3]), t([2, 3]), t([2, 1])]),
      TypeError,
      'mse',
      'weight [2, 1]',
    ));
  it('rejects a weight of shape []', () =>
    expectThrows(
      () => forward('mse', {}, [t([2]), t([2]), { data: new Float32Array(1), shape: [] }]),
      TypeError,
      'mse',
      "input 'weight' has rank 0",
    ));
  it('refuses a gradient for the weight', () =>
    expectThrows(
      () =>
        backward(
          'mse',
          {},
          [t([2]), t([2]), t([2])],
          [{ data: new Float32Array(1), shape: [1] }],
          [null],
          [true, true, true],
        ),
      TypeError,
      "input 'weight' has no gradient",
    ));
});
