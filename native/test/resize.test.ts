import { describe, it } from 'vitest';
import { forward, type RawTensor, type ResizeAttrs } from '../lib/index.js';
import { expectBitwiseDeterministic } from './support/determinism.js';
import { resize64 } from './support/resize-reference.js';
import { checkOp, expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

type ErrorRow = [string, object, (RawTensor | null)[], ErrorConstructor, ...string[]];

const r = rng(51);
const reference =
  (attrs: ResizeAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [resize64(x as Ref, attrs.mode, attrs.size)];

const rs = (name: string, attrs: ResizeAttrs, shape: number[]): OpCase<'resize'> => ({
  name,
  attrs,
  inputs: [randTensor(shape, r)],
});

const cases: OpCase<'resize'>[] = [];
for (const mode of ['trilinear', 'nearest'] as const) {
  cases.push(
    rs(`${mode} x2 upsampling [1,2,3,4,5]`, { mode, size: [6, 8, 10] }, [1, 2, 3, 4, 5]),
    rs(`${mode} downsampling by 2 on odd sizes`, { mode, size: [3, 4, 5] }, [1, 1, 7, 9, 11]),
    rs(`${mode} non-integer factors up and down`, { mode, size: [5, 3, 17] }, [2, 1, 3, 5, 7]),
    rs(`${mode} identity size`, { mode, size: [3, 4, 5] }, [1, 2, 3, 4, 5]),
    rs(`${mode} size-1 dims to larger`, { mode, size: [3, 1, 9] }, [1, 3, 1, 1, 4]),
    rs(`${mode} to size 1`, { mode, size: [1, 1, 1] }, [1, 2, 3, 4, 5]),
    rs(`${mode} a wide row (W 19 to 45)`, { mode, size: [2, 3, 45] }, [1, 1, 2, 3, 19]),
  );
}

describe('resize', () => {
  it.each(cases)('$name', (c) => checkOp('resize', c, reference(c.attrs)));

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
