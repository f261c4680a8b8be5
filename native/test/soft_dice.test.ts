import { describe, expect, it } from 'vitest';
import { backward, forward } from '../lib/index.js';
import { softDice } from './cases/soft_dice.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };
const r = rng(43);
const prob = (s: number[]) => randTensor(s, r, 0.01, 0.99);

describe('soft_dice', () => {
  float64Suite(softDice);

  it('matches a case worked by hand', () => {
    // p = (0.8, 0.4), t = (1, 0), smooth 1: I = 0.8, D = 0.8 + 0.4 + 1 + 1 = 3.2,
    // Dice = (1.6 + 1) / 3.2 = 0.8125, L = 0.1875.
    // dL/dp_j = -(2 t_j D - (2I + 1)) / D^2: (-(6.4 - 2.6), 2.6) / 10.24 = (-0.37109375, 0.25390625).
    const p = { data: new Float32Array([0.8, 0.4]), shape: [1, 1, 2] };
    const t = { data: new Float32Array([1, 0]), shape: [1, 1, 2] };
    const [loss] = forward('soft_dice', { smooth: 1 }, [p, t, null]);
    expect(loss?.data[0]).toBeCloseTo(0.1875, 7);
    const [dp] = backward('soft_dice', { smooth: 1 }, [p, t, null], [loss ?? p], [one], [true, false, false]);
    expect(dp?.data[0]).toBeCloseTo(-0.37109375, 7);
    expect(dp?.data[1]).toBeCloseTo(0.25390625, 7);
    // Masking out the second voxel: I = 0.8, D = 0.8 + 1 + 1 = 2.8, L = 1 - 2.6 / 2.8.
    const [masked] = forward('soft_dice', { smooth: 1 }, [
      p,
      t,
      { data: new Float32Array([1, 0]), shape: [1, 1, 2] },
    ]);
    expect(masked?.data[0]).toBeCloseTo(1 - 2.6 / 2.8, 7);
  });
  it('is 0 for a perfect binary prediction', () => {
    const t = { data: new Float32Array([1, 0, 1, 1]), shape: [1, 1, 4] };
    const [loss] = forward('soft_dice', {}, [t, t, null]);
    expect(loss?.data[0]).toBeCloseTo(0, 6);
  });
  const p = prob([2, 2, 3]);
  it('rejects a target of another shape', () =>
    expectThrows(
      () => forward('soft_dice', {}, [p, prob([2, 2, 4]), null]),
      TypeError,
      'soft_dice',
      'target [2, 2, 4]',
      '[2, 2, 3]',
    ));
  it('rejects a mask that is neither full nor per position', () =>
    expectThrows(
      () => forward('soft_dice', {}, [p, prob([2, 2, 3]), prob([2, 2, 1])]),
      TypeError,
      'soft_dice',
      'mask [2, 2, 1]',
      '[2, 1, 3]',
    ));
  it('rejects a mask of shape []', () =>
    expectThrows(
      () => forward('soft_dice', {}, [p, p, { data: new Float32Array(1), shape: [] }]),
      TypeError,
      'soft_dice',
      "input 'mask' has rank 0",
    ));
  it('rejects smooth = 0', () =>
    expectThrows(
      () => forward('soft_dice', { smooth: 0 }, [p, p, null]),
      RangeError,
      'soft_dice',
      'smooth = 0',
    ));
  it('rejects rank 1', () =>
    expectThrows(
      () => forward('soft_dice', {}, [prob([3]), prob([3]), null]),
      TypeError,
      'soft_dice',
      'rank >= 2',
    ));
  it('rejects an empty p', () =>
    expectThrows(
      () =>
        forward('soft_dice', {}, [
          { data: new Float32Array(0), shape: [0, 1, 2] },
          { data: new Float32Array(0), shape: [0, 1, 2] },
          null,
        ]),
      RangeError,
      'soft_dice',
      'empty',
    ));
});
