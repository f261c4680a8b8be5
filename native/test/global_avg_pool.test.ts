import { describe, it } from 'vitest';
import { forward, type RawTensor } from '../lib/index.js';
import { globalAvgPool } from './cases/global_avg_pool.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(61);

describe('global_avg_pool', () => {
  float64Suite(globalAvgPool);

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic('global_avg_pool', {}, () => [randTensor([2, 3, 9, 40, 50], rng(4))], [true]));

  it.each<ErrorRow>([
    ['rank 2', [randTensor([2, 3], r)], TypeError, 'rank 3 to 5', '[2, 3]'],
    ['rank 6', [randTensor([1, 1, 1, 1, 1, 2], r)], TypeError, 'rank 3 to 5'],
    ['an empty input', [{ data: new Float32Array(0), shape: [1, 2, 0, 2, 2] }], RangeError, 'empty'],
  ])('rejects %s', (_n, inputs, type, ...fragments) =>
    expectThrows(() => forward('global_avg_pool', {}, inputs), type, 'global_avg_pool', ...fragments),
  );
  it('rejects an attribute', () =>
    expectThrows(
      () => forward('global_avg_pool', { keepdim: true } as never, [randTensor([1, 1, 2], r)]),
      TypeError,
      "unknown attribute 'keepdim'",
    ));
});
