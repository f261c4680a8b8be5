import { describe, expect, it } from 'vitest';
import { backward, forward, type MaxPool3dAttrs, type RawTensor } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { distinctTensor, maxPool64, windowOf } from './support/pool-reference.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(31);
const reference =
  (attrs: MaxPool3dAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [maxPool64(x as Ref, windowOf(attrs))];

const mp = (name: string, attrs: MaxPool3dAttrs, shape: number[]): OpCase<'max_pool3d'> => ({
  name,
  attrs,
  inputs: [distinctTensor(shape, r)],
});

const cases: OpCase<'max_pool3d'>[] = [
  mp('kernel 2 stride 2 on odd sizes [1,2,5,7,9]', { kernel: 2 }, [1, 2, 5, 7, 9]),
  mp('kernel 3 stride 2 padding 1 [1,1,7,9,17]', { kernel: 3, stride: 2, padding: 1 }, [1, 1, 7, 9, 17]),
  mp('ceil_mode kernel 2 [2,1,5,5,7]', { kernel: 2, ceil_mode: true }, [2, 1, 5, 5, 7]),
  mp(
    'ceil_mode kernel 3 stride 2 padding 1 [1,2,6,7,9]',
    { kernel: 3, stride: 2, padding: 1, ceil_mode: true },
    [1, 2, 6, 7, 9],
  ),
  mp('dilation 2 [1,1,5,6,9]', { kernel: 2, stride: 1, dilation: 2 }, [1, 1, 5, 6, 9]),
  mp(
    'dilation 2 padding 1 stride 2 [1,1,6,7,11]',
    { kernel: 3, stride: 2, padding: 1, dilation: 2 },
    [1, 1, 6, 7, 11],
  ),
  mp(
    'anisotropic [1,2,3] stride [1,2,1] padding [0,1,1]',
    { kernel: [1, 2, 3], stride: [1, 2, 1], padding: [0, 1, 1] },
    [1, 2, 4, 5, 19],
  ),
  mp('size-1 dims [1,3,1,1,18], kernel [1,1,3] stride 2', { kernel: [1, 1, 3], stride: 2 }, [1, 3, 1, 1, 18]),
  mp('kernel 1 (identity) [2,2,2,3,4]', { kernel: 1 }, [2, 2, 2, 3, 4]),
  mp('stride 1 padding 1 over a width of 37', { kernel: 3, stride: 1, padding: 1 }, [1, 1, 2, 3, 37]),
  mp('whole volume in one window [1,2,3,3,3]', { kernel: 3 }, [1, 2, 3, 3, 3]),
];

describe('max_pool3d', () => {
  it.each(cases)('$name', (c) => checkOp('max_pool3d', c, reference(c.attrs)));

  it('routes the gradient of a tie to the first maximum in (kd, kh, kw) order', () => {
    const x = { data: new Float32Array(8).fill(1), shape: [1, 1, 2, 2, 2] };
    x.data[3] = 0.5; // the first maximum is element 0; a later equal one must not get anything
    const [y] = forward('max_pool3d', { kernel: 2 }, [x]);
    const [dx] = backward(
      'max_pool3d',
      { kernel: 2 },
      [x],
      [y!],
      [{ data: Float32Array.of(3), shape: [1, 1, 1, 1, 1] }],
      [true],
    );
    expect(Array.from(dx!.data)).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('propagates a NaN in a window, as PyTorch', () => {
    const x = distinctTensor([1, 1, 2, 2, 4], r);
    x.data[5] = Number.NaN;
    const [y] = forward('max_pool3d', { kernel: 2 }, [x]);
    expect(Number.isNaN(y!.data[0])).toBe(true);
    expect(Number.isNaN(y!.data[1])).toBe(false);
  });

  it('is bitwise deterministic across thread counts', () =>
    expectBitwiseDeterministic(
      'max_pool3d',
      { kernel: 3, stride: 2, padding: 1 },
      () => [distinctTensor([2, 3, 9, 20, 21], rng(2))],
      [true],
    ));

  const x = randTensor([1, 1, 4, 4, 4], r);
  it.each<ErrorRow>([
    ['rank 4', { kernel: 2 }, [randTensor([1, 4, 4, 4], r)], TypeError, 'rank 5', '[1, 4, 4, 4]'],
    ['a missing kernel', {}, [x], TypeError, "'kernel' is required"],
    ['a kernel of two numbers', { kernel: [2, 2] }, [x], TypeError, 'kernel', '3 numbers'],
    ['a zero stride', { kernel: 2, stride: 0 }, [x], RangeError, 'stride must be >= 1', '[0, 0, 0]'],
    [
      'a negative padding',
      { kernel: 2, padding: [0, -1, 0] },
      [x],
      RangeError,
      'padding must be >= 0',
      '[0, -1, 0]',
    ],
    ['padding over half the kernel', { kernel: 2, padding: 2 }, [x], RangeError, 'at most half the kernel'],
    ['a zero dilation', { kernel: 2, dilation: 0 }, [x], RangeError, 'dilation must be >= 1'],
    [
      'a kernel larger than the padded input',
      { kernel: [1, 1, 7], padding: [0, 0, 1] },
      [x],
      RangeError,
      'larger than the padded input',
      'axis W',
    ],
    [
      'a dilated window larger than the input',
      { kernel: 3, dilation: 2 },
      [randTensor([1, 1, 4, 4, 4], r)],
      RangeError,
      'dilation 2',
    ],
    [
      'an empty input',
      { kernel: 1 },
      [{ data: new Float32Array(0), shape: [1, 0, 2, 2, 2] }],
      RangeError,
      'empty',
    ],
    ['a fractional kernel', { kernel: 1.5 }, [x], TypeError, 'integers'],
  ])('rejects %s', (_n, attrs, inputs, type, ...fragments) =>
    expectThrows(
      () => forward('max_pool3d', attrs as MaxPool3dAttrs, inputs),
      type,
      'max_pool3d',
      ...fragments,
    ),
  );
});
