import { type OpTable, tensors } from '../table.js';

const t = tensors(12);

// Windows of at most 64 taps: the same sums in the same order as the CPU and the same float
// divisor, equal in practice. Wider windows (the global pool) are summed by a block in double
// in another order than the CPU's float loop: the CPU's own rounding over a few hundred
// values is well below 1e-6 of a mean.
export const avgPool3d: OpTable<'avg_pool3d'> = {
  op: 'avg_pool3d',
  tol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
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
  ],
};
