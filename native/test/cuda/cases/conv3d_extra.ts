import { type OpTable, tensors } from '../table.js';

const t = tensors(9);

// Cases that take the fast kernel's other paths (src/cuda/conv3d_plan.cuh): 128-row tiles,
// split-K in every pass, 8-row tiles, backward-data residue classes with no tap. Weights or
// inputs are scaled down where a reduction is long (up to 4096 terms), so that fp32 rounding
// on either backend stays well inside the tolerance.
export const conv3dExtra: OpTable<'conv3d'> = {
  op: 'conv3d',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    {
      name: '128-row tiles, forward and backward-data split over 3510 / 3780 reduction rows',
      attrs: { padding: 1 },
      inputs: [t([1, 130, 4, 4, 4]), t([140, 130, 3, 3, 3], -0.05, 0.05), t([140])],
    },
    {
      name: '8-row tiles, backward-weight split over 4096 positions',
      attrs: { padding: 1 },
      inputs: [t([1, 8, 16, 16, 16], -0.1, 0.1), t([8, 8, 3, 3, 3]), t([8])],
    },
    {
      name: 'stride 2, dilation 2: backward-data residue classes without a tap',
      attrs: { stride: 2, padding: 2, dilation: 2 },
      inputs: [t([1, 4, 9, 8, 7]), t([6, 4, 3, 3, 3]), null],
    },
    {
      name: 'one input channel, anisotropic stride (backward-data with M = 1, 6 classes)',
      attrs: { stride: [1, 2, 3], padding: 1 },
      inputs: [t([1, 1, 7, 10, 12]), t([3, 1, 3, 3, 3]), t([3])],
    },
  ],
};
