import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { crop64 } from './support/region-reference.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const r = rng(21);
const cases: OpCase<'crop'>[] = [
  {
    name: 'whole volume',
    attrs: { offset: [0, 0, 0], size: [2, 3, 4] },
    inputs: [randTensor([1, 2, 2, 3, 4], r)],
  },
  {
    name: 'interior of an odd volume',
    attrs: { offset: [1, 2, 3], size: [3, 4, 5] },
    inputs: [randTensor([2, 3, 5, 7, 9], r)],
  },
  {
    name: 'single voxel at the far corner',
    attrs: { offset: [4, 6, 8], size: [1, 1, 1] },
    inputs: [randTensor([1, 1, 5, 7, 9], r)],
  },
  {
    name: 'size-1 batch, channel and depth',
    attrs: { offset: [0, 1, 0], size: [1, 2, 17] },
    inputs: [randTensor([1, 1, 1, 3, 17], r)],
  },
  {
    name: 'many rows [2,4,12,30,20]',
    attrs: { offset: [2, 5, 3], size: [9, 20, 13] },
    inputs: [randTensor([2, 4, 12, 30, 20], r)],
  },
];

describe('crop', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('crop', c, ([x]: (Ref | null)[]) => [crop64(x as Ref, c.attrs.offset, c.attrs.size)]),
  );

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
