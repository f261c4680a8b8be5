import type { Conv3dAttrs } from '../../lib/index.js';
import { conv3dRef } from '../support/conv-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(11);
const t = (shape: number[]) => randTensor(shape, r);

/** Cases small enough for finite differences (every input checked). */
const float64Cases: OpCase<'conv3d'>[] = [
  {
    name: '3x3x3 pad 1, odd sizes',
    attrs: { padding: 1 },
    inputs: [t([1, 3, 5, 6, 7]), t([4, 3, 3, 3, 3]), t([4])],
  },
  {
    name: 'stride 2 on odd sizes, batch 2, no bias',
    attrs: { stride: 2, padding: 1 },
    inputs: [t([2, 2, 7, 5, 9]), t([3, 2, 3, 3, 3]), null],
  },
  {
    name: 'dilation 2, padding 3 (larger than the kernel half), anisotropic kernel',
    attrs: { dilation: 2, padding: 3 },
    inputs: [t([1, 2, 4, 5, 6]), t([3, 2, 3, 2, 3]), t([3])],
  },
  {
    name: 'groups 2',
    attrs: { groups: 2, padding: [1, 0, 1] },
    inputs: [t([1, 4, 3, 4, 5]), t([6, 2, 3, 3, 3]), t([6])],
  },
  {
    name: 'depthwise (groups = C = K)',
    attrs: { groups: 3, padding: 1 },
    inputs: [t([1, 3, 3, 4, 4]), t([3, 1, 3, 3, 3]), null],
  },
  { name: 'size-1 dims', attrs: {}, inputs: [t([1, 1, 1, 1, 9]), t([3, 1, 1, 1, 3]), t([3])] },
  {
    name: '1-channel stem, 10 outputs (not a multiple of 8)',
    attrs: { padding: 1 },
    inputs: [t([1, 1, 4, 6, 20]), t([10, 1, 3, 3, 3]), t([10])],
  },
  {
    name: 'pointwise 17 -> 19 channels',
    attrs: {},
    inputs: [t([1, 17, 2, 3, 5]), t([19, 17, 1, 1, 1]), t([19])],
  },
  {
    name: 'output rows of exactly 16 (row-wise pixel vectors), 9 outputs',
    attrs: { padding: 1 },
    inputs: [t([1, 2, 2, 3, 16]), t([9, 2, 3, 3, 3]), t([9])],
  },
  {
    name: 'stride 2 onto rows of 16, 12 outputs',
    attrs: { stride: 2, padding: 1 },
    inputs: [t([1, 2, 3, 4, 32]), t([12, 2, 3, 3, 3]), null],
  },
  {
    name: '1x1x1 stride 2 (residual shortcut) on odd sizes',
    attrs: { stride: 2 },
    inputs: [t([1, 3, 5, 7, 9]), t([5, 3, 1, 1, 1]), t([5])],
  },
  {
    name: 'pointwise onto whole pixel vectors (written in place), 20 -> 19 channels',
    attrs: {},
    inputs: [t([1, 20, 3, 4, 8]), t([19, 20, 1, 1, 1]), t([19])],
  },
  {
    name: '1x1x1 stride 2 onto rows of 16 (in place forward, strided copy-out backward)',
    attrs: { stride: 2 },
    inputs: [t([1, 3, 4, 8, 32]), t([9, 3, 1, 1, 1]), t([9])],
  },
  {
    name: 'per-axis stride [1, 2, 3] and padding [0, 1, 2]',
    attrs: { stride: [1, 2, 3], padding: [0, 1, 2] },
    inputs: [t([1, 2, 3, 7, 11]), t([2, 2, 1, 3, 3]), t([2])],
  },
  {
    name: 'kernel as large as the input (1x1x1 output)',
    attrs: {},
    inputs: [t([2, 2, 3, 3, 3]), t([5, 2, 3, 3, 3]), t([5])],
  },
  {
    name: 'stride 3 with dilation 2 and padding 2',
    attrs: { stride: 3, dilation: 2, padding: 2 },
    inputs: [t([1, 2, 8, 7, 9]), t([2, 2, 3, 3, 3]), null],
  },
];

const tc = tensors(8);
const te = tensors(9);

// Cases that take the fast kernel's other paths (src/cuda/conv3d_plan.cuh): 128-row tiles,
// split-K in every pass, 8-row tiles, backward-data residue classes with no tap. Weights or
// inputs are scaled down where a reduction is long (up to 4096 terms), so that fp32 rounding
// on either backend stays well inside the tolerance.
const fastKernelPaths: OpCase<'conv3d'>[] = [
  {
    name: '128-row tiles, forward and backward-data split over 3510 / 3780 reduction rows',
    attrs: { padding: 1 },
    inputs: [te([1, 130, 4, 4, 4]), te([140, 130, 3, 3, 3], -0.05, 0.05), te([140])],
  },
  {
    name: '8-row tiles, backward-weight split over 4096 positions',
    attrs: { padding: 1 },
    inputs: [te([1, 8, 16, 16, 16], -0.1, 0.1), te([8, 8, 3, 3, 3]), te([8])],
  },
  {
    name: 'stride 2, dilation 2: backward-data residue classes without a tap',
    attrs: { stride: 2, padding: 2, dilation: 2 },
    inputs: [te([1, 4, 9, 8, 7]), te([6, 4, 3, 3, 3]), null],
  },
  {
    name: 'one input channel, anisotropic stride (backward-data with M = 1, 6 classes)',
    attrs: { stride: [1, 2, 3], padding: 1 },
    inputs: [te([1, 1, 7, 10, 12]), te([3, 1, 3, 3, 3]), te([3])],
  },
];

export const conv3d: OpTable<'conv3d'> = {
  op: 'conv3d',
  reference:
    (attrs: Conv3dAttrs) =>
    ([x, w, b]: (Ref | null)[]): Ref[] => [conv3dRef(x as Ref, w as Ref, b ?? null, attrs)],
  probes: 400,
  skipEmpty: false,
  // Sums of up to C kD kH kW (or N Do Ho Wo) fp32 products in another order than the CPU's
  // blocked kernels.
  cudaTol: { rtol: 1e-4, atol: 1e-4 },
  cases: [
    ...withChecks<'conv3d'>(
      float64Only,
      float64Cases.map((c) => ({
        ...c,
        tol: { rtol: 1e-4, atol: 1e-4 },
        gradTol: { rtol: 1e-3, atol: 2e-4 },
      })),
    ),
    ...withChecks<'conv3d'>(cudaOnly, [
      {
        name: '3x3x3 pad 1 with bias',
        attrs: { padding: 1 },
        inputs: [tc([2, 4, 6, 7, 8]), tc([8, 4, 3, 3, 3]), tc([8])],
      },
      {
        name: 'stride 2 pad 1',
        attrs: { stride: 2, padding: 1 },
        inputs: [tc([1, 3, 9, 9, 9]), tc([5, 3, 3, 3, 3]), tc([5])],
      },
      {
        name: 'dilation 2, groups 2, no bias',
        attrs: { padding: 2, dilation: 2, groups: 2 },
        inputs: [tc([1, 4, 8, 8, 8]), tc([6, 2, 3, 3, 3]), null],
      },
      {
        name: '1x1x1 stride 2',
        attrs: { stride: 2 },
        inputs: [tc([2, 16, 6, 6, 6]), tc([8, 16, 1, 1, 1]), null],
      },
      {
        name: 'anisotropic kernel, stride and padding',
        attrs: { stride: [1, 2, 3], padding: [0, 1, 2] },
        inputs: [tc([1, 2, 5, 9, 11]), tc([3, 2, 1, 3, 5]), tc([3])],
      },
      {
        name: 'several tiles: [1,32,12,12,12] -> 64 channels',
        attrs: { padding: 1 },
        inputs: [tc([1, 32, 12, 12, 12]), tc([64, 32, 3, 3, 3]), tc([64])],
      },
    ]),
    // The fast kernel's other tilings, splits and residue classes.
    ...withChecks<'conv3d'>(cudaOnly, fastKernelPaths),
  ],
};
