import { type OpTable, tensors } from '../table.js';

const t = tensors(19);

// Sums of up to C/groups kD kH kW (or N D H W) fp32 products in another order than the
// CPU's blocked kernels, as conv3d.
export const convTranspose3d: OpTable<'conv_transpose3d'> = {
  op: 'conv_transpose3d',
  tol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    {
      name: 'U-Net upsampling: kernel 2 stride 2 with bias',
      attrs: { stride: 2 },
      inputs: [t([2, 8, 3, 4, 5]), t([8, 4, 2, 2, 2]), t([4])],
    },
    {
      name: 'kernel 3 stride 2 pad 1 output_padding 1 on odd sizes',
      attrs: { stride: 2, padding: 1, output_padding: 1 },
      inputs: [t([1, 3, 5, 3, 7]), t([3, 5, 3, 3, 3]), t([5])],
    },
    {
      name: 'kernel 3 stride 1 pad 1, groups 2, no bias',
      attrs: { padding: 1, groups: 2 },
      inputs: [t([1, 4, 4, 5, 6]), t([4, 3, 3, 3, 3]), null],
    },
    {
      name: 'dilation 2 with output_padding 1 at stride 1 (direct kernels)',
      attrs: { dilation: 2, output_padding: 1 },
      inputs: [t([1, 3, 4, 5, 3]), t([3, 2, 3, 2, 3]), t([2])],
    },
    {
      name: 'stride 2 dilation 3 output_padding 2, groups 3 (direct kernels)',
      attrs: { stride: 2, dilation: 3, output_padding: 2, groups: 3, padding: 1 },
      inputs: [t([2, 3, 3, 2, 4]), t([3, 2, 2, 3, 2]), null],
    },
    {
      name: 'anisotropic stride, padding and output_padding, size-1 axes',
      attrs: { stride: [1, 2, 3], padding: [0, 1, 1], output_padding: [0, 1, 2] },
      inputs: [t([1, 2, 1, 4, 3]), t([2, 3, 1, 3, 3]), t([3])],
    },
    {
      name: 'odd output volume with bias (bias gradient without vector loads)',
      attrs: {},
      inputs: [t([1, 2, 3, 3, 3]), t([2, 3, 3, 3, 3]), t([3])],
    },
    {
      name: 'several tiles: [1,64,6,6,6] -> 32 channels, kernel 2 stride 2',
      attrs: { stride: 2 },
      inputs: [t([1, 64, 6, 6, 6]), t([64, 32, 2, 2, 2]), t([32])],
    },
  ],
};
