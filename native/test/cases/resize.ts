import type { ResizeAttrs } from '../../lib/index.js';
import { resize64 } from '../support/resize-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(51);
const reference =
  (attrs: ResizeAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [resize64(x as Ref, attrs.mode, attrs.size)];

const rs = (name: string, attrs: ResizeAttrs, shape: number[]): OpCase<'resize'> => ({
  name,
  attrs,
  inputs: [randTensor(shape, r)],
});

const float64Cases: OpCase<'resize'>[] = (['trilinear', 'nearest'] as const).flatMap((mode) => [
  rs(`${mode} x2 upsampling [1,2,3,4,5]`, { mode, size: [6, 8, 10] }, [1, 2, 3, 4, 5]),
  rs(`${mode} downsampling by 2 on odd sizes`, { mode, size: [3, 4, 5] }, [1, 1, 7, 9, 11]),
  rs(`${mode} non-integer factors up and down`, { mode, size: [5, 3, 17] }, [2, 1, 3, 5, 7]),
  rs(`${mode} identity size`, { mode, size: [3, 4, 5] }, [1, 2, 3, 4, 5]),
  rs(`${mode} size-1 dims to larger`, { mode, size: [3, 1, 9] }, [1, 3, 1, 1, 4]),
  rs(`${mode} to size 1`, { mode, size: [1, 1, 1] }, [1, 2, 3, 4, 5]),
  rs(`${mode} a wide row (W 19 to 45)`, { mode, size: [2, 3, 45] }, [1, 1, 2, 3, 19]),
]);

const t = tensors(13);

export const resize: OpTable<'resize'> = {
  op: 'resize',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // The index and weight arithmetic is the CPU's float32 arithmetic without contraction, and
  // backward adds the same terms in the same order and grouping as the CPU's scatter: equal in
  // practice; 1e-6 is headroom should either compiler reorder a sum.
  cudaTol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    ...withChecks<'resize'>(float64Only, float64Cases),
    ...withChecks<'resize'>(cudaOnly, [
      {
        name: 'trilinear upsampling x2',
        attrs: { mode: 'trilinear', size: [8, 10, 12] },
        inputs: [t([1, 2, 4, 5, 6])],
      },
      {
        name: 'trilinear downsampling of odd sizes',
        attrs: { mode: 'trilinear', size: [4, 3, 5] },
        inputs: [t([1, 2, 9, 7, 11])],
      },
      {
        name: 'trilinear, non-integer factors up and down (x1.4, x0.67, x1.86)',
        attrs: { mode: 'trilinear', size: [7, 4, 13] },
        inputs: [t([2, 1, 5, 6, 7])],
      },
      {
        name: 'trilinear x3.5 (many outputs per input)',
        attrs: { mode: 'trilinear', size: [7, 10, 14] },
        inputs: [t([1, 1, 2, 3, 4])],
      },
      {
        name: 'trilinear, size-1 axes (1 -> 3, 5 -> 1, 1 -> 4)',
        attrs: { mode: 'trilinear', size: [3, 1, 4] },
        inputs: [t([1, 2, 1, 5, 1])],
      },
      {
        name: 'trilinear, same size',
        attrs: { mode: 'trilinear', size: [3, 4, 5] },
        inputs: [t([1, 2, 3, 4, 5])],
      },
      {
        name: 'nearest, non-integer upsampling',
        attrs: { mode: 'nearest', size: [7, 9, 6] },
        inputs: [t([1, 3, 3, 4, 5])],
      },
      {
        name: 'nearest downsampling (some inputs unread)',
        attrs: { mode: 'nearest', size: [4, 3, 5] },
        inputs: [t([1, 2, 9, 10, 11])],
      },
      {
        name: 'nearest, size-1 axes',
        attrs: { mode: 'nearest', size: [1, 1, 3] },
        inputs: [t([2, 1, 1, 1, 7])],
      },
    ]),
  ],
};
