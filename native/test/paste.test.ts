import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { paste } from './cases/paste.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(22);

describe('paste', () => {
  float64Suite(paste);

  it('undoes crop: paste(base, crop(base)) = base', () => {
    const base = randTensor([1, 2, 5, 6, 7], r);
    const [patch] = forward('crop', { offset: [1, 2, 3], size: [2, 3, 4] }, [base]);
    const [y] = forward('paste', { offset: [1, 2, 3] }, [base, patch ?? null]);
    expect(y?.data).toEqual(base.data);
  });
  it('keeps the base shape', () =>
    expect(
      inferShapes('paste', { offset: [1, 1, 1] }, [
        [1, 2, 4, 4, 4],
        [1, 2, 3, 3, 3],
      ]),
    ).toEqual([[1, 2, 4, 4, 4]]));
  const base = randTensor([1, 2, 4, 4, 4], r);
  it('rejects a patch past the edge, naming the axis', () =>
    expectThrows(
      () => forward('paste', { offset: [0, 0, 2] }, [base, randTensor([1, 2, 1, 1, 3], r)]),
      RangeError,
      'paste',
      'along W',
      '5 > 4',
    ));
  it('rejects a channel mismatch', () =>
    expectThrows(
      () => forward('paste', { offset: [0, 0, 0] }, [base, randTensor([1, 3, 1, 1, 1], r)]),
      TypeError,
      'paste',
      '[1, 3, 1, 1, 1]',
    ));
  it('rejects a missing offset', () =>
    expectThrows(
      () => forward('paste', {} as never, [base, randTensor([1, 2, 1, 1, 1], r)]),
      TypeError,
      'paste',
      "'offset' is required",
    ));
  it('rejects a missing patch', () =>
    expectThrows(
      () => forward('paste', { offset: [0, 0, 0] }, [base]),
      TypeError,
      'paste',
      'expected 2 inputs',
    ));
});
