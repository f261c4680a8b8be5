import { type OpTable, tensors } from '../table.js';

const t = tensors(13);

// The index and weight arithmetic is the CPU's float32 arithmetic without contraction, and
// backward adds the same terms in the same order and grouping as the CPU's scatter: equal in
// practice; 1e-6 is headroom should either compiler reorder a sum.
export const resize: OpTable<'resize'> = {
  op: 'resize',
  tol: { rtol: 1e-6, atol: 1e-6 },
  cases: [
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
  ],
};
