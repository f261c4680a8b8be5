import type { AvgPool3dAttrs } from '../../lib/index.js';
import { avgPool64, windowOf } from '../support/pool-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(41);
const reference =
  (attrs: AvgPool3dAttrs) =>
  ([x]: (Ref | null)[]): Ref[] => [avgPool64(x as Ref, windowOf(attrs), attrs.count_include_pad ?? true)];

const ap = (name: string, attrs: AvgPool3dAttrs, shape: number[]): OpCase<'avg_pool3d'> => ({
  name,
  attrs,
  inputs: [randTensor(shape, r)],
});

const float64Cases: OpCase<'avg_pool3d'>[] = [
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

const t = tensors(12);

export const avgPool3d: OpTable<'avg_pool3d'> = {
  op: 'avg_pool3d',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // Windows of at most 64 taps: the same sums in the same order as the CPU and the same float
  // divisor, equal in practice. Wider windows (the global pool) are summed by a block in double
  // in another order than the CPU's float loop: the CPU's own rounding over a few hundred
  // values is well below 1e-6 of a mean.
  cudaTol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
    ...withChecks<'avg_pool3d'>(float64Only, float64Cases),
    ...withChecks<'avg_pool3d'>(cudaOnly, [
      { name: 'kernel 2 (stride 2) on odd sizes', attrs: { kernel: 2 }, inputs: [t([2, 3, 5, 7, 9])] },
      {
        name: 'kernel 3 stride 2 pad 1, count_include_pad',
        attrs: { kernel: 3, stride: 2, padding: 1 },
        inputs: [t([1, 2, 9, 8, 7])],
      },
      {
        name: 'kernel 3 stride 2 pad 1, real voxels only',
        attrs: { kernel: 3, stride: 2, padding: 1, count_include_pad: false },
        inputs: [t([1, 2, 9, 8, 7])],
      },
      {
        name: 'anisotropic, ceil_mode, real voxels only',
        attrs: {
          kernel: [3, 2, 3],
          stride: [2, 1, 2],
          padding: [1, 0, 1],
          ceil_mode: true,
          count_include_pad: false,
        },
        inputs: [t([1, 2, 6, 5, 8])],
      },
      {
        name: 'ceil_mode with count_include_pad (windows clipped to the padded input)',
        attrs: { kernel: 3, stride: 2, padding: 1, ceil_mode: true },
        inputs: [t([1, 1, 6, 7, 8])],
      },
      {
        name: 'kernel 3 stride 1 pad 1 (overlapping windows)',
        attrs: { kernel: 3, stride: 1, padding: 1 },
        inputs: [t([1, 3, 5, 5, 5])],
      },
      {
        name: 'global average: the whole volume as one window (one block per output)',
        attrs: { kernel: [7, 9, 11] },
        inputs: [t([2, 3, 7, 9, 11])],
      },
      {
        name: 'wide window with stride and padding, real voxels only',
        attrs: { kernel: [4, 5, 6], stride: [3, 2, 4], padding: [2, 2, 3], count_include_pad: false },
        inputs: [t([1, 2, 9, 10, 13])],
      },
      {
        name: 'wide window, ceil_mode, count_include_pad',
        attrs: { kernel: 5, stride: 3, padding: 2, ceil_mode: true },
        inputs: [t([1, 1, 10, 10, 10])],
      },
      {
        name: 'size-1 axes',
        attrs: { kernel: [1, 1, 3], stride: [1, 1, 2], padding: [0, 0, 1], ceil_mode: true },
        inputs: [t([1, 1, 1, 1, 6])],
      },
    ]),
  ],
};
