import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { reshape } from './cases/reshape.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(25);
const t = (s: number[]) => randTensor(s, r);

describe('reshape', () => {
  float64Suite(reshape);

  it('infers -1', () => expect(inferShapes('reshape', { shape: [-1, 2] }, [[3, 4]])).toEqual([[6, 2]]));
  const x = t([2, 3]);
  it('rejects a different element count', () =>
    expectThrows(
      () => forward('reshape', { shape: [4, 2] }, [x]),
      RangeError,
      'reshape',
      '[4, 2] holds 8',
      '[2, 3] holds 6',
    ));
  it('rejects a -1 that does not divide', () =>
    expectThrows(() => forward('reshape', { shape: [4, -1] }, [x]), RangeError, 'reshape', 'cannot infer'));
  it('rejects two -1', () =>
    expectThrows(
      () => forward('reshape', { shape: [-1, -1] }, [x]),
      RangeError,
      'reshape',
      'more than one -1',
    ));
  it('rejects -2', () =>
    expectThrows(() => forward('reshape', { shape: [-2, -3] }, [x]), RangeError, 'reshape', 'entry -2'));
  it('rejects a missing shape', () =>
    expectThrows(() => forward('reshape', {} as never, [x]), TypeError, 'reshape', "'shape' is required"));
});
