import { describe, expect, it } from 'vitest';
import { backward, forward } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { randomMask } from './support/loss-inputs.js';
import { softDice64 } from './support/loss-reference.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };
const r = rng(43);
const prob = (s: number[]) => randTensor(s, r, 0.01, 0.99);
const binary = (s: number[]) => randomMask(s, r, 0.5);
const noTargetGrad = [true, false, false];

const cases: OpCase<'soft_dice'>[] = [
  { name: 'one sample, one channel [1,1,5]', attrs: {}, inputs: [prob([1, 1, 5]), binary([1, 1, 5]), null] },
  {
    name: 'lung-masked [2,1,3,4,5] (mask per position)',
    attrs: {},
    inputs: [prob([2, 1, 3, 4, 5]), binary([2, 1, 3, 4, 5]), binary([2, 1, 3, 4, 5])],
  },
  {
    name: 'two channels, mask broadcast over C [2,2,3,1,7]',
    attrs: { smooth: 1 },
    inputs: [prob([2, 2, 3, 1, 7]), binary([2, 2, 3, 1, 7]), binary([2, 1, 3, 1, 7])],
  },
  {
    name: 'full-shape soft mask and soft target [3,2,9]',
    attrs: { smooth: 0.5 },
    inputs: [prob([3, 2, 9]), prob([3, 2, 9]), randomMask([3, 2, 9], r, 0.2, 'weights')],
  },
  {
    name: 'empty target (smooth keeps it finite) [1,1,6]',
    attrs: { smooth: 1 },
    inputs: [prob([1, 1, 6]), { data: new Float32Array(6), shape: [1, 1, 6] }, null],
  },
  {
    name: 'several chunks per sample [2,1,40,900]',
    attrs: {},
    inputs: [prob([2, 1, 40, 900]), binary([2, 1, 40, 900]), null],
  },
];

describe('soft_dice', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled(
      'soft_dice',
      { ...c, grad: noTargetGrad.slice(0, c.inputs.length), tol: { rtol: 1e-5, atol: 1e-6 } },
      ([p, t, m]) => [softDice64(p as Ref, t as Ref, m ?? null, c.attrs.smooth ?? 1e-5)],
    ),
  );

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
