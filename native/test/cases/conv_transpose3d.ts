import type { ConvTranspose3dAttrs } from '../../lib/index.js';
import { convTranspose3dRef } from '../support/conv-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const reference =
  (attrs: ConvTranspose3dAttrs) =>
  ([x, w, b]: (Ref | null)[]): Ref[] => [convTranspose3dRef(x as Ref, w as Ref, b ?? null, attrs)];

const r = rng(23);
const t = (shape: number[]) => randTensor(shape, r);

const float64Cases: OpCase<'conv_transpose3d'>[] = [
  {
    name: 'stride 2 kernel 2 (U-Net upsampling)',
    attrs: { stride: 2 },
    inputs: [t([1, 4, 2, 3, 3]), t([4, 3, 2, 2, 2]), t([3])],
  },
  {
    name: 'stride 2 kernel 3 pad 1 output_padding 1',
    attrs: { stride: 2, padding: 1, output_padding: 1 },
    inputs: [t([2, 2, 3, 2, 3]), t([2, 3, 3, 3, 3]), null],
  },
  {
    name: 'stride 1 pad 1 (same size)',
    attrs: { padding: 1 },
    inputs: [t([1, 3, 3, 4, 5]), t([3, 2, 3, 3, 3]), t([2])],
  },
  {
    name: 'dilation 2 with padding 2',
    attrs: { dilation: 2, padding: 2 },
    inputs: [t([1, 2, 3, 4, 3]), t([2, 2, 3, 3, 2]), t([2])],
  },
  {
    name: 'groups 2',
    attrs: { groups: 2, stride: [1, 2, 2] },
    inputs: [t([1, 4, 2, 3, 3]), t([4, 3, 2, 2, 2]), t([6])],
  },
  {
    name: 'size-1 dims, 9 output channels',
    attrs: {},
    inputs: [t([1, 2, 1, 1, 4]), t([2, 9, 1, 1, 2]), t([9])],
  },
  {
    name: 'per-axis stride [3, 1, 2], output_padding [2, 0, 1]',
    attrs: { stride: [3, 1, 2], output_padding: [2, 0, 1], padding: [1, 0, 0] },
    inputs: [t([1, 2, 3, 2, 3]), t([2, 2, 3, 2, 2]), t([2])],
  },
  {
    name: 'output_padding below the dilation (stride 1)',
    attrs: { dilation: 3, output_padding: 2 },
    inputs: [t([1, 1, 2, 2, 2]), t([1, 2, 2, 2, 2]), null],
  },
];

const tc = tensors(19);

export const convTranspose3d: OpTable<'conv_transpose3d'> = {
  op: 'conv_transpose3d',
  reference: reference,
  probes: 400,
  skipEmpty: false,
  // Sums of up to C/groups kD kH kW (or N D H W) fp32 products in another order than the
  // CPU's blocked kernels, as conv3d.
  cudaTol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    ...withChecks<'conv_transpose3d'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        tol: { rtol: 1e-4, atol: 1e-4 },
        gradTol: { rtol: 1e-3, atol: 2e-4 },
      })),
    ),
    ...withChecks<'conv_transpose3d'>(cudaOnly, [
      {
        name: 'U-Net upsampling: kernel 2 stride 2 with bias',
        attrs: { stride: 2 },
        inputs: [tc([2, 8, 3, 4, 5]), tc([8, 4, 2, 2, 2]), tc([4])],
      },
      {
        name: 'kernel 3 stride 2 pad 1 output_padding 1 on odd sizes',
        attrs: { stride: 2, padding: 1, output_padding: 1 },
        inputs: [tc([1, 3, 5, 3, 7]), tc([3, 5, 3, 3, 3]), tc([5])],
      },
      {
        name: 'kernel 3 stride 1 pad 1, groups 2, no bias',
        attrs: { padding: 1, groups: 2 },
        inputs: [tc([1, 4, 4, 5, 6]), tc([4, 3, 3, 3, 3]), null],
      },
      {
        name: 'dilation 2 with output_padding 1 at stride 1 (direct kernels)',
        attrs: { dilation: 2, output_padding: 1 },
        inputs: [tc([1, 3, 4, 5, 3]), tc([3, 2, 3, 2, 3]), tc([2])],
      },
      {
        name: 'stride 2 dilation 3 output_padding 2, groups 3 (direct kernels)',
        attrs: { stride: 2, dilation: 3, output_padding: 2, groups: 3, padding: 1 },
        inputs: [tc([2, 3, 3, 2, 4]), tc([3, 2, 2, 3, 2]), null],
      },
      {
        name: 'anisotropic stride, padding and output_padding, size-1 axes',
        attrs: { stride: [1, 2, 3], padding: [0, 1, 1], output_padding: [0, 1, 2] },
        inputs: [tc([1, 2, 1, 4, 3]), tc([2, 3, 1, 3, 3]), tc([3])],
      },
      {
        name: 'odd output volume with bias (bias gradient without vector loads)',
        attrs: {},
        inputs: [tc([1, 2, 3, 3, 3]), tc([2, 3, 3, 3, 3]), tc([3])],
      },
      {
        name: 'several tiles: [1,64,6,6,6] -> 32 channels, kernel 2 stride 2',
        attrs: { stride: 2 },
        inputs: [tc([1, 64, 6, 6, 6]), tc([64, 32, 2, 2, 2]), tc([32])],
      },
    ]),
  ],
};
