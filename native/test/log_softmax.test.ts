import { describe, expect, it } from 'vitest';
import { forward } from '../lib/index.js';
import { logSoftmax } from './cases/log_softmax.js';
import { logSoftmax64 } from './support/channel-reference.js';
import { float64Suite } from './support/float64-suite.js';
import { expectClose, expectThrows, randTensor, rng } from './support/testing.js';

const r = rng(14);

describe('log_softmax', () => {
  float64Suite(logSoftmax);

  it('is finite and exact for logits of +-1e4, where exp underflows', () => {
    const x = { data: new Float32Array([1e4, 0, -1e4, 5, 1e4 - 1, 7]), shape: [1, 3, 2] };
    const [y] = forward('log_softmax', {}, [x]);
    const want = logSoftmax64({ data: Float64Array.from(x.data), shape: x.shape }).data;
    expect(Array.from(y?.data ?? []).every(Number.isFinite)).toBe(true);
    expectClose(y?.data ?? [], want, { rtol: 1e-6, atol: 1e-6 }, 'log_softmax');
  });
  it('rejects rank 1', () =>
    expectThrows(() => forward('log_softmax', {}, [randTensor([3], r)]), TypeError, 'log_softmax', '[3]'));
  it('rejects an unknown attribute', () =>
    expectThrows(
      () => forward('log_softmax', { dim: 1 } as never, [randTensor([2, 2], r)]),
      TypeError,
      "unknown attribute 'dim'",
    ));
});
