import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { slice } from './cases/slice.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(24);
const t = (s: number[]) => randTensor(s, r);

describe('slice', () => {
  float64Suite(slice);

  it('infers the shape', () =>
    expect(inferShapes('slice', { axis: 2, start: 1, length: 2 }, [[1, 2, 5]])).toEqual([[1, 2, 2]]));
  const x = t([2, 3, 4]);
  it('rejects a range past the end', () =>
    expectThrows(
      () => forward('slice', { axis: 2, start: 3, length: 2 }, [x]),
      RangeError,
      'slice',
      'start 3 + length 2',
      'extent 4',
    ));
  it('rejects a negative start', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: -1, length: 1 }, [x]),
      RangeError,
      'slice',
      'start -1',
    ));
  it('rejects a negative length', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: 0, length: -2 }, [x]),
      RangeError,
      'slice',
      'length -2',
    ));
  it('rejects an axis out of range', () =>
    expectThrows(
      () => forward('slice', { axis: -4, start: 0, length: 1 }, [x]),
      RangeError,
      'slice',
      'axis -4',
    ));
  it('rejects a missing attribute', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: 0 } as never, [x]),
      TypeError,
      'slice',
      "'length' is required",
    ));
});
