import { describe, it } from 'vitest';
import { type AvgPool3dAttrs, forward, type RawTensor } from '../lib/index.js';
import { avgPool3d } from './cases/avg_pool3d.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(41);

describe('avg_pool3d', () => {
  float64Suite(avgPool3d);

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic(
      'avg_pool3d',
      { kernel: 3, stride: 2, padding: 1 },
      () => [randTensor([2, 3, 9, 20, 21], rng(2))],
      [true],
    ));

  const x = randTensor([1, 1, 4, 4, 4], r);
  it.each<ErrorRow>([
    ['rank 6', { kernel: 2 }, [randTensor([1, 1, 1, 4, 4, 4], r)], TypeError, 'rank 5'],
    ['a missing kernel', {}, [x], TypeError, "'kernel' is required"],
    ['a zero stride', { kernel: 2, stride: [1, 0, 1] }, [x], RangeError, 'stride must be >= 1', '[1, 0, 1]'],
    ['a negative padding', { kernel: 2, padding: -1 }, [x], RangeError, 'padding must be >= 0'],
    ['padding over half the kernel', { kernel: 3, padding: 2 }, [x], RangeError, 'at most half the kernel'],
    [
      'a kernel larger than the padded input',
      { kernel: 7, padding: 1 },
      [x],
      RangeError,
      'larger than the padded input',
      'axis D',
    ],
    [
      'dilation (avg_pool3d has none)',
      { kernel: 2, dilation: 2 },
      [x],
      TypeError,
      "unknown attribute 'dilation'",
    ],
    [
      'a non-boolean count_include_pad',
      { kernel: 2, count_include_pad: 1 },
      [x],
      TypeError,
      'count_include_pad',
      'boolean',
    ],
  ])('rejects %s', (_n, attrs, inputs, type, ...fragments) =>
    expectThrows(
      () => forward('avg_pool3d', attrs as unknown as AvgPool3dAttrs, inputs),
      type,
      'avg_pool3d',
      ...fragments,
    ),
  );
});
