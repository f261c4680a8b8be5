import { describe, expect, it } from 'vitest';
import { backward, forward } from '../lib/index.js';
import { focal } from './cases/focal.js';
import { float64Suite } from './support/float64-suite.js';
import { classTarget } from './support/loss-inputs.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };

const t = (s: number[]) => randTensor(s, r);

const r = rng(42);

describe('focal', () => {
  float64Suite(focal);

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
