import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { paste64 } from './support/region-reference.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const r = rng(22);
const cases: OpCase<'paste'>[] = [
  {
    name: 'patch covers base',
    attrs: { offset: [0, 0, 0] },
    inputs: [randTensor([1, 2, 2, 3, 4], r), randTensor([1, 2, 2, 3, 4], r)],
  },
  {
    name: 'interior of an odd volume',
    attrs: { offset: [1, 2, 3] },
    inputs: [randTensor([2, 3, 5, 7, 9], r), randTensor([2, 3, 3, 4, 5], r)],
  },
  {
    name: 'single voxel at the far corner',
    attrs: { offset: [4, 6, 8] },
    inputs: [randTensor([1, 1, 5, 7, 9], r), randTensor([1, 1, 1, 1, 1], r)],
  },
  {
    name: 'size-1 dims',
    attrs: { offset: [0, 1, 0] },
    inputs: [randTensor([1, 1, 1, 3, 17], r), randTensor([1, 1, 1, 2, 17], r)],
  },
  {
    name: 'many rows [2,4,12,30,20]',
    attrs: { offset: [2, 5, 3] },
    inputs: [randTensor([2, 4, 12, 30, 20], r), randTensor([2, 4, 9, 20, 13], r)],
  },
];

describe('paste', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('paste', c, ([b, p]: (Ref | null)[]) => [paste64(b as Ref, p as Ref, c.attrs.offset)]),
  );

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
