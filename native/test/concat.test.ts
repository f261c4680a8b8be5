import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { concat, concat64 } from './cases/concat.js';
import { checkOpSampled } from './support/check-sampled.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, type Ref, randTensor, rng } from './support/testing.js';

const r = rng(23);
const t = (s: number[]) => randTensor(s, r);

describe('concat', () => {
  float64Suite(concat);

  it('gradients only for the inputs asked for', () =>
    checkOpSampled(
      'concat',
      { name: 'partial', attrs: {}, inputs: [t([1, 2, 3]), t([1, 1, 3])], grad: [false, true] },
      (xs) => [concat64(xs as Ref[], 1)],
    ));
  it('infers the joined extent', () =>
    expect(
      inferShapes('concat', { axis: 2 }, [
        [1, 2, 3],
        [1, 2, 4],
      ]),
    ).toEqual([[1, 2, 7]]));
  it('rejects mismatched extents outside the axis', () =>
    expectThrows(
      () => forward('concat', {}, [t([1, 2, 3]), t([1, 2, 4])]),
      TypeError,
      'concat',
      'input 1',
      '[1, 2, 4]',
    ));
  it('rejects mismatched ranks', () =>
    expectThrows(() => forward('concat', {}, [t([1, 2, 3]), t([1, 2])]), TypeError, 'concat', '[1, 2]'));
  it('rejects an axis out of range', () =>
    expectThrows(
      () => forward('concat', { axis: 3 }, [t([1, 2, 3])]),
      RangeError,
      'concat',
      'axis 3',
      'rank 3',
    ));
  it('rejects no inputs', () =>
    expectThrows(() => forward('concat', {}, []), TypeError, 'concat', 'at least 1'));
  it('rejects a non-integer axis', () =>
    expectThrows(() => forward('concat', { axis: 1.5 }, [t([1, 2])]), TypeError, 'concat', 'integer'));
});
