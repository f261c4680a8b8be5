import { describe, expect, it } from 'vitest';
import { forward } from '../lib/index.js';
import { softmax } from './cases/softmax.js';
import { softmax64 } from './support/channel-reference.js';
import { float64Suite } from './support/float64-suite.js';
import { expectClose, expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(13);

describe('softmax', () => {
  float64Suite(softmax);

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
