import { describe, it } from 'vitest';
import { type AvgPool3dAttrs, forward, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { avgPool64, windowOf } from './support/pool-reference.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(41);
const reference =
  (attrs: AvgPool3dAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [avgPool64(x as Ref, windowOf(attrs), attrs.count_include_pad ?? true)];

const ap = (name: string, attrs: AvgPool3dAttrs, shape: number[]): OpCase<'avg_pool3d'> => ({
  name,
  attrs,
  inputs: [randTensor(shape, r)],
});

const cases: OpCase<'avg_pool3d'>[] = [
  ap('kernel 2 stride 2 on odd sizes [1,2,5,7,9]', { kernel: 2 }, [1, 2, 5, 7, 9]),
  ap(
    'kernel 3 stride 2 padding 1, pad counted [1,1,7,9,17]',
    { kernel: 3, stride: 2, padding: 1 },
    [1, 1, 7, 9, 17],
  ),
  ap(
    'kernel 3 stride 2 padding 1, pad not counted',
    { kernel: 3, stride: 2, padding: 1, count_include_pad: false },
    [1, 1, 7, 9, 17],
  ),
  ap(
    'ceil_mode padding 1, pad counted [1,2,6,7,9]',
    { kernel: 3, stride: 2, padding: 1, ceil_mode: true },
    [1, 2, 6, 7, 9],
  ),
  ap(
    'ceil_mode padding 1, pad not counted',
    { kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false },
    [1, 2, 6, 7, 9],
  ),
  ap(
    'ceil_mode without padding (clipped last window) [1,1,5,5,7]',
    { kernel: 2, ceil_mode: true },
    [1, 1, 5, 5, 7],
  ),
  ap(
    'anisotropic [1,2,3] stride [1,2,1] padding [0,1,1]',
    { kernel: [1, 2, 3], stride: [1, 2, 1], padding: [0, 1, 1] },
    [1, 2, 4, 5, 19],
  ),
  ap('size-1 dims [2,3,1,1,18], kernel [1,1,4] stride 3', { kernel: [1, 1, 4], stride: 3 }, [2, 3, 1, 1, 18]),
  ap('stride 1 padding 1 over a width of 37', { kernel: 3, stride: 1, padding: 1 }, [1, 1, 2, 3, 37]),
];

describe('avg_pool3d', () => {
  it.each(cases)('$name', (c) => checkOp('avg_pool3d', c, reference(c.attrs)));

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
