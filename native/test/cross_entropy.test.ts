import { describe, expect, it } from 'vitest';
import { backward, forward, inferShapes } from '../lib/index.js';
import { crossEntropy } from './cases/cross_entropy.js';
import { float64Suite } from './support/float64-suite.js';
import { expectClose, expectThrows, randTensor, rng } from './support/testing.js';

/** dL/dL = 1. */
const one = { data: Float32Array.of(1), shape: [1] };

const r = rng(41);
const t = (s: number[]) => randTensor(s, r);

describe('cross_entropy', () => {
  float64Suite(crossEntropy);

  it('matches a case worked by hand', () => {
    // Position 0: logits (0, ln 3), so softmax = (1/4, 3/4), class 1: -log(3/4) = log(4/3), weight 1.
    // Position 1: logits (0, 0), softmax (1/2, 1/2), class 0: log 2, weight 0.5.
    // L = (log(4/3) + 0.5 log 2) / 1.5; dL/dx0 = (1/1.5)((1/4, 3/4) - (0, 1)) = (1/6, -1/6),
    // dL/dx1 = (0.5/1.5)((1/2, 1/2) - (1, 0)) = (-1/6, 1/6).
    const x = { data: new Float32Array([0, Math.log(3), 0, 0]), shape: [2, 2] };
    const y = { data: new Float32Array([1, 0]), shape: [2] };
    const attrs = { class_weights: [0.5, 1] };
    const [loss] = forward('cross_entropy', attrs, [x, y, null]);
    expect(loss?.data[0]).toBeCloseTo((Math.log(4 / 3) + 0.5 * Math.log(2)) / 1.5, 6);
    const [dx] = backward('cross_entropy', attrs, [x, y, null], [loss ?? x], [one], [true, false, false]);
    expect(Array.from(dx?.data ?? [])).toEqual(
      [1 / 6, -1 / 6, -1 / 6, 1 / 6].map((v) => expect.closeTo(v, 6)),
    );
  });
  it('matches PyTorch F.cross_entropy(weight=...) on a fixed case', () => {
    // torch 1.13, float64: F.cross_entropy(torch.tensor([[1., 2., 3.], [1., -1., 0.5]]),
    //   torch.tensor([0, 2]), weight=torch.tensor([0.5, 1., 1.])) = 1.5058399345761206
    const [loss] = forward('cross_entropy', { class_weights: [0.5, 1, 1] }, [
      { data: new Float32Array([1, 2, 3, 1, -1, 0.5]), shape: [2, 3] },
      { data: new Float32Array([0, 2]), shape: [2] },
      null,
    ]);
    expectClose(loss?.data ?? [], [1.5058399345761206], { rtol: 1e-6, atol: 0 }, 'cross_entropy vs torch');
  });
  it('is 0 with zero gradient when every position is masked out', () => {
    const x = t([2, 3]);
    const y = { data: new Float32Array([7, -1]), shape: [2] }; // not read where the mask is 0
    const m = { data: new Float32Array([0, 0]), shape: [2] };
    const [loss] = forward('cross_entropy', {}, [x, y, m]);
    expect(loss?.data[0]).toBe(0);
    const [dx] = backward('cross_entropy', {}, [x, y, m], [loss ?? x], [one], [true, false, false]);
    expect(Array.from(dx?.data ?? [])).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it('stays finite for logits of +-1e4', () => {
    const [loss] = forward('cross_entropy', {}, [
      { data: new Float32Array([1e4, -1e4]), shape: [1, 2] },
      { data: new Float32Array([1]), shape: [1] },
      null,
    ]);
    expect(loss?.data[0]).toBeCloseTo(2e4, 0);
  });
  it('infers [1]', () => expect(inferShapes('cross_entropy', {}, [[2, 3, 4], [2, 4], null])).toEqual([[1]]));

  const x = t([2, 3, 2]);
  const target = (v: number[]) => ({ data: new Float32Array(v), shape: [2, 2] });
  it('rejects a fractional target, naming the value', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([0, 2.5, 1, 1]), null]),
      RangeError,
      'cross_entropy',
      'target[1] = 2.5',
      '[0, 3)',
    ));
  it('rejects a target equal to C', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([0, 1, 3, 1]), null]),
      RangeError,
      'cross_entropy',
      'target[2] = 3',
    ));
  it('rejects a negative target', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([-1, 1, 1, 1]), null]),
      RangeError,
      'target[0] = -1',
    ));
  it('rejects a NaN target', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([0, 1, 1, Number.NaN]), null]),
      RangeError,
      'target[3] = nan',
    ));
  it('rejects a bad target in backward too', () =>
    expectThrows(
      () =>
        backward(
          'cross_entropy',
          {},
          [x, target([0, 9, 1, 1]), null],
          [{ data: new Float32Array(1), shape: [1] }],
          [null],
          [true, false, false],
        ),
      RangeError,
      'target[1] = 9',
    ));
  it('rejects a negative mask value', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([0, 1, 1, 1]), target([1, 1, -0.5, 1])]),
      RangeError,
      'mask[2] = -0.5',
    ));
  it('rejects a target of the wrong shape', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, { data: new Float32Array(3), shape: [3] }, null]),
      TypeError,
      'cross_entropy',
      'target must have shape [2, 2]',
      '[3]',
    ));
  it('rejects a mask of the wrong shape', () =>
    expectThrows(
      () =>
        forward('cross_entropy', {}, [x, target([0, 1, 1, 1]), { data: new Float32Array(2), shape: [2] }]),
      TypeError,
      'mask must have shape [2, 2]',
    ));
  it('rejects class_weights of the wrong length', () =>
    expectThrows(
      () => forward('cross_entropy', { class_weights: [1, 1] }, [x, target([0, 1, 1, 1]), null]),
      TypeError,
      'class_weights has 2 entries',
      '3 classes',
    ));
  it('rejects a negative class weight', () =>
    expectThrows(
      () => forward('cross_entropy', { class_weights: [1, -1, 1] }, [x, target([0, 1, 1, 1]), null]),
      RangeError,
      'class_weights[1]',
    ));
  it('rejects a mask of shape []', () =>
    expectThrows(
      () => forward('cross_entropy', {}, [x, target([0, 1, 1, 1]), { data: new Float32Array(1), shape: [] }]),
      TypeError,
      "input 'mask' has rank 0",
    ));
  it('refuses a gradient for the target', () =>
    expectThrows(
      () =>
        backward(
          'cross_entropy',
          {},
          [x, target([0, 1, 1, 1]), null],
          [{ data: new Float32Array(1), shape: [1] }],
          [null],
          [true, true, false],
        ),
      TypeError,
      "input 'target' has no gradient",
    ));
});
