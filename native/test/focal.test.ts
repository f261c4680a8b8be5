import { describe, expect, it } from 'vitest';
import { backward, forward } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { classTarget, randomMask } from './support/loss-inputs.js';
import { classLoss64 } from './support/loss-reference.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };
const r = rng(42);
const t = (s: number[], lo = -2, hi = 2) => randTensor(s, r, lo, hi);
const noTargetGrad = [true, false, false];

const cases: OpCase<'focal'>[] = [
  {
    name: 'DeepSC classifier [1,3], gamma 2, weights (0.5, 1, 1)',
    attrs: { class_weights: [0.5, 1, 1] },
    inputs: [t([1, 3]), classTarget([1], 3, r), null],
  },
  {
    name: 'batch [5,3], gamma 0.5',
    attrs: { gamma: 0.5 },
    inputs: [t([5, 3]), classTarget([5], 3, r), null],
  },
  { name: 'gamma 0 (cross-entropy)', attrs: { gamma: 0 }, inputs: [t([3, 4]), classTarget([3], 4, r), null] },
  {
    name: 'masked 5D [2,2,3,4,5], gamma 3',
    attrs: { gamma: 3, class_weights: [0.1, 1] },
    inputs: [
      t([2, 2, 3, 4, 5]),
      classTarget([2, 3, 4, 5], 2, r),
      randomMask([2, 3, 4, 5], r, 0.3, 'weights'),
    ],
  },
  {
    name: 'confident logits (p near 1)',
    attrs: {},
    inputs: [t([4, 3], -8, 8), classTarget([4], 3, r), null],
  },
  {
    name: 'several tasks [2,3,40,300]',
    attrs: {},
    inputs: [t([2, 3, 40, 300]), classTarget([2, 40, 300], 3, r), null],
  },
];

describe('focal', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled(
      'focal',
      { ...c, grad: noTargetGrad.slice(0, c.inputs.length), tol: { rtol: 1e-5, atol: 1e-7 } },
      ([x, y, m]) => [classLoss64(x as Ref, y as Ref, m ?? null, c.attrs.class_weights, c.attrs.gamma ?? 2)],
    ),
  );

  it('matches a case worked by hand', () => {
    // Position 0: logits (0, ln 3), class 1: p = 3/4, term -(1/4)^2 log(3/4) = 0.0625 log(4/3).
    // Position 1: logits (0, 0), class 0: p = 1/2, term -(1/2)^2 log(1/2) = 0.25 log 2.
    // L = (0.0625 log(4/3) + 0.25 log 2) / 2.
    // Gradient at position 0: a = (1-p)^2 - 2 (1-p) p log p = 0.0625 + 0.375 log(4/3), and
    // dL/dx0 = (a / 2) ((1/4, 3/4) - (0, 1)) = (a / 8, -a / 8).
    const x = { data: new Float32Array([0, Math.log(3), 0, 0]), shape: [2, 2] };
    const y = { data: new Float32Array([1, 0]), shape: [2] };
    const [loss] = forward('focal', {}, [x, y, null]);
    expect(loss?.data[0]).toBeCloseTo((0.0625 * Math.log(4 / 3) + 0.25 * Math.log(2)) / 2, 7);
    const [dx] = backward('focal', {}, [x, y, null], [loss ?? x], [one], [true, false, false]);
    const a = 0.0625 + 0.375 * Math.log(4 / 3);
    expect(dx?.data[0]).toBeCloseTo(a / 8, 7);
    expect(dx?.data[1]).toBeCloseTo(-a / 8, 7);
  });
  it('with gamma 0 equals cross_entropy bitwise', () => {
    const x = t([3, 4, 5]);
    const y = classTarget([3, 5], 4, r);
    const [f] = forward('focal', { gamma: 0, class_weights: [1, 2, 3, 4] }, [x, y, null]);
    const [ce] = forward('cross_entropy', { class_weights: [1, 2, 3, 4] }, [x, y, null]);
    expect(f?.data[0]).toBe(ce?.data[0]);
  });
  it('keeps precision for a confident correct prediction (p = 1 - 1e-9)', () => {
    // log p = -1e-9 and 1 - p = 1e-9: the loss is about 1e-18 * 1e-9, not 0 and not NaN.
    const d = 20.7232658369; // log(1/1e-9) = logit gap giving 1 - p = 1e-9
    const [loss] = forward('focal', { gamma: 1 }, [
      { data: new Float32Array([d, 0]), shape: [1, 2] },
      { data: new Float32Array([0]), shape: [1] },
      null,
    ]);
    expect(loss?.data[0]).toBeGreaterThan(0);
    expect(loss?.data[0]).toBeCloseTo(1e-18, 20);
  });
  const x = t([2, 3]);
  it('rejects a negative gamma', () =>
    expectThrows(
      () => forward('focal', { gamma: -1 }, [x, classTarget([2], 3, r), null]),
      RangeError,
      'focal',
      'gamma = -1',
    ));
  it('rejects a fractional target, naming the value', () =>
    expectThrows(
      () => forward('focal', {}, [x, { data: new Float32Array([0, 1.25]), shape: [2] }, null]),
      RangeError,
      'focal',
      'target[1] = 1.25',
    ));
  it('rejects class_weights of the wrong length', () =>
    expectThrows(
      () => forward('focal', { class_weights: [1] }, [x, classTarget([2], 3, r), null]),
      TypeError,
      'focal',
      'class_weights has 1 entries',
    ));
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('focal', { alpha: 0.25 } as never, [x, classTarget([2], 3, r), null]),
      TypeError,
      "unknown attribute 'alpha'",
    ));
});
