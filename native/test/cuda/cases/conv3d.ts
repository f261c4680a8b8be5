import { type OpTable, tensors } from '../table.js';
import { conv3dExtra } from './conv3d_extra.js';

const t = tensors(8);

// Sums of up to C kD kH kW (or N Do Ho Wo) fp32 products in another order than the CPU's
// blocked kernels.
export const conv3d: OpTable<'conv3d'> = {
  op: 'conv3d',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    {
      name: '3x3x3 pad 1 with bias',
      attrs: { padding: 1 },
      inputs: [t([2, 4, 6, 7, 8]), t([8, 4, 3, 3, 3]), t([8])],
    },
    {
      name: 'stride 2 pad 1',
      attrs: { stride: 2, padding: 1 },
      inputs: [t([1, 3, 9, 9, 9]), t([5, 3, 3, 3, 3]), t([5])],
    },
    {
      name: 'dilation 2, groups 2, no bias',
      attrs: { padding: 2, dilation: 2, groups: 2 },
      inputs: [t([1, 4, 8, 8, 8]), t([6, 2, 3, 3, 3]), null],
    },
    {
      name: '1x1x1 stride 2',
      attrs: { stride: 2 },
      inputs: [t([2, 16, 6, 6, 6]), t([8, 16, 1, 1, 1]), null],
    },
    {
      name: 'anisotropic kernel, stride and padding',
      attrs: { stride: [1, 2, 3], padding: [0, 1, 2] },
      inputs: [t([1, 2, 5, 9, 11]), t([3, 2, 1, 3, 5]), t([3])],
    },
    {
      name: 'several tiles: [1,32,12,12,12] -> 64 channels',
      attrs: { padding: 1 },
      inputs: [t([1, 32, 12, 12, 12]), t([64, 32, 3, 3, 3]), t([64])],
    },
    // The fast kernel's other tilings, splits and residue classes.
    ...conv3dExtra.cases,
  ],
};
