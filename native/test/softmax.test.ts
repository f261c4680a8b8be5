import { describe, expect, it } from 'vitest';
import { forward } from '../lib/index.js';
import { softmax64 } from './support/channel-reference.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectClose, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

const reference = ([x]: (Ref | null)[]): Ref[] => [softmax64(x as Ref)];

const r = rng(13);
const cases: OpCase<'softmax'>[] = [
  { name: 'one channel [2,1,3]', attrs: {}, inputs: [randTensor([2, 1, 3], r)] },
  { name: 'rank 2 [4,3] (classifier logits)', attrs: {}, inputs: [randTensor([4, 3], r, -3, 3)] },
  { name: 'odd 5D [2,5,3,4,7]', attrs: {}, inputs: [randTensor([2, 5, 3, 4, 7], r, -3, 3)] },
  { name: 'size-1 dims [1,2,1,1,1]', attrs: {}, inputs: [randTensor([1, 2, 1, 1, 1], r)] },
  { name: 'several blocks per sample [2,3,600]', attrs: {}, inputs: [randTensor([2, 3, 600], r, -3, 3)] },
  { name: 'several tasks [2,16,1100]', attrs: {}, inputs: [randTensor([2, 16, 1100], r)] },
];

describe('softmax', () => {
  it.each(cases)('$name', (c) => checkOpSampled('softmax', c, reference));

  it('is stable for logits of +-1e4 (no overflow, no NaN)', () => {
    const x = { data: new Float32Array([1e4, 0, -1e4, 5, 1e4 - 1, 7]), shape: [1, 3, 2] };
    const [y] = forward('softmax', {}, [x]);
    expectClose(
      y?.data ?? [],
      softmax64({ data: Float64Array.from(x.data), shape: x.shape }).data,
      { rtol: 1e-6, atol: 1e-30 },
      'softmax',
    );
    expect(Array.from(y?.data ?? []).every(Number.isFinite)).toBe(true);
  });
  it('rejects rank 1', () =>
    expectThrows(() => forward('softmax', {}, [randTensor([3], r)]), TypeError, 'softmax', '[3]'));
  it('rejects zero channels', () =>
    expectThrows(
      () => forward('softmax', {}, [{ data: new Float32Array(0), shape: [2, 0, 3] }]),
      RangeError,
      'softmax',
      '[2, 0, 3]',
    ));
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('softmax', { axis: 2 } as never, [randTensor([2, 2], r)]),
      TypeError,
      "unknown attribute 'axis'",
    ));
});
