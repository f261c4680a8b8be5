import { describe, it } from 'vitest';
import { forward, type RawTensor, type ResizeAttrs } from '../lib/index.js';
import { resize } from './cases/resize.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { float64Suite } from './support/float64-suite.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(51);

describe('resize', () => {
  float64Suite(resize);

  for (const mode of ['trilinear', 'nearest'] as const)
    it(`is bitwise deterministic across thread counts (${mode})`, () =>
      expectBitwiseDeterministic(
        'resize',
        { mode, size: [24, 30, 33] },
        () => [randTensor([1, 2, 13, 16, 17], rng(9))],
        [true],
      ));

  const x = randTensor([1, 1, 2, 3, 4], r);
  it.each<ErrorRow>([
    [
      'rank 4',
      { mode: 'nearest', size: [2, 2, 2] },
      [randTensor([1, 2, 3, 4], r)],
      TypeError,
      'rank 5',
      '[1, 2, 3, 4]',
    ],
    ['a missing mode', { size: [2, 2, 2] }, [x], TypeError, "'mode' is required"],
    [
      'an unknown mode',
      { mode: 'bicubic', size: [2, 2, 2] },
      [x],
      RangeError,
      "'bicubic'",
      "'trilinear', 'nearest'",
    ],
    ['a missing size', { mode: 'trilinear' }, [x], TypeError, "'size' is required"],
    ['a size of two numbers', { mode: 'trilinear', size: [2, 2] }, [x], TypeError, '3 integers', 'got 2'],
    [
      'an empty output size',
      { mode: 'trilinear', size: [2, 0, 2] },
      [x],
      RangeError,
      'size must be >= 1',
      '[2, 0, 2]',
    ],
    ['a fractional size', { mode: 'nearest', size: [2, 2.5, 2] }, [x], TypeError, 'integers'],
    [
      'an empty input',
      { mode: 'nearest', size: [2, 2, 2] },
      [{ data: new Float32Array(0), shape: [1, 1, 0, 2, 2] }],
      RangeError,
      'empty',
    ],
  ])('rejects %s', (_n, attrs, inputs, type, ...fragments) =>
    expectThrows(
      () => forward('resize', attrs as unknown as ResizeAttrs, inputs),
      type,
      'resize',
      ...fragments,
    ),
  );
});
