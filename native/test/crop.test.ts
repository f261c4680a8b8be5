import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { crop } from './cases/crop.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(21);

describe('crop', () => {
  float64Suite(crop);

  it('infers [N, C, ...size]', () =>
    expect(inferShapes('crop', { offset: [0, 0, 0], size: [1, 2, 3] }, [[2, 3, 4, 4, 4]])).toEqual([
      [2, 3, 1, 2, 3],
    ]));
  const x = randTensor([1, 1, 4, 4, 4], r);
  it('rejects a region past the edge, naming the axis', () =>
    expectThrows(
      () => forward('crop', { offset: [0, 3, 0], size: [1, 2, 1] }, [x]),
      RangeError,
      'crop',
      'along H',
      '5 > 4',
    ));
  it('rejects a negative offset', () =>
    expectThrows(
      () => forward('crop', { offset: [-1, 0, 0], size: [1, 1, 1] }, [x]),
      RangeError,
      'crop',
      '[-1, 0, 0]',
    ));
  it('rejects a zero size', () =>
    expectThrows(
      () => forward('crop', { offset: [0, 0, 0], size: [1, 0, 1] }, [x]),
      RangeError,
      'crop',
      '[1, 0, 1]',
    ));
  it('rejects a missing size', () =>
    expectThrows(
      () => forward('crop', { offset: [0, 0, 0] } as never, [x]),
      TypeError,
      'crop',
      "'size' is required",
    ));
  it('rejects two numbers for a triple', () =>
    expectThrows(
      () => forward('crop', { offset: [0, 0] as never, size: [1, 1, 1] }, [x]),
      TypeError,
      'crop',
      'offset',
      '2 numbers',
    ));
  it('rejects rank 4', () =>
    expectThrows(
      () => forward('crop', { offset: [0, 0, 0], size: [1, 1, 1] }, [randTensor([1, 4, 4, 4], r)]),
      TypeError,
      'crop',
      'rank 5',
    ));
});
