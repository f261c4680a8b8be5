import { describe, expect, it } from 'vitest';
import { backward, forward, type MaxPool3dAttrs, type RawTensor } from '../lib/index.js';
import { maxPool3d } from './cases/max_pool3d.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { distinctTensor } from './support/pool-reference.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(31);

describe('max_pool3d', () => {
  float64Suite(maxPool3d);

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
