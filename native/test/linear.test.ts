import { describe, expect, it } from 'vitest';
import { backward, forward, inferShapes } from '../lib/index.js';
import { linear } from './cases/linear.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(35);
const t = (s: number[]) => randTensor(s, r);

describe('linear', () => {
  float64Suite(linear);

  it('infers [N, O]', () => expect(inferShapes('linear', {}, [[2, 5], [3, 5], [3]])).toEqual([[2, 3]]));
  it('rejects mismatched features', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 4]), null]),
      TypeError,
      'linear',
      'w [3, 4]',
      'F = 5',
    ));
  it('rejects a bias of the wrong length', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 5]), t([4])]),
      TypeError,
      'linear',
      'b must have shape [3]',
      '[4]',
    ));
  it('rejects x of rank 3', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5, 1]), t([3, 5]), null]),
      TypeError,
      'linear',
      'rank 2',
    ));
  it('rejects a bias of shape [] (which shape inference cannot tell from an absent one)', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), t([3, 5]), { data: new Float32Array(1), shape: [] }]),
      TypeError,
      'linear',
      "input 'b' has rank 0",
    ));
  it('rejects a bias of shape [] in backward too', () =>
    expectThrows(
      () =>
        backward(
          'linear',
          {},
          [t([2, 5]), t([3, 5]), { data: new Float32Array(1), shape: [] }],
          [t([2, 3])],
          [t([2, 3])],
          [true, true, true],
        ),
      TypeError,
      "input 'b' has rank 0",
    ));
  it('rejects a missing weight', () =>
    expectThrows(
      () => forward('linear', {}, [t([2, 5]), null, null]),
      TypeError,
      'linear',
      "input 'w' is required",
    ));
});
