import { classData } from '../class_targets.js';
import { type OpTable, tensors } from '../table.js';

const t = tensors(30);
const d = classData(130);
const noGrad = [true, false, false];

// Per-sample sums in double on both sides over different partial orders (the CPU's chunks of
// 32768, the GPU's chunks of 8192 and block trees); the gradient is the CPU's expression.
export const softDice: OpTable<'soft_dice'> = {
  op: 'soft_dice',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    {
      name: '5D [2,3,4,5,6], soft targets, no mask',
      attrs: {},
      inputs: [t([2, 3, 4, 5, 6], 0, 1), t([2, 3, 4, 5, 6], 0, 1), null],
      needGrad: noGrad,
    },
    {
      name: 'per-position mask [2,1,3,5,7] over 2 channels, smooth 1',
      attrs: { smooth: 1 },
      inputs: [t([2, 2, 3, 5, 7], 0, 1), t([2, 2, 3, 5, 7], 0, 1), d.mask([2, 1, 3, 5, 7])],
      needGrad: noGrad,
    },
    {
      name: 'full-shape mask [3,2,9], binary targets',
      attrs: {},
      inputs: [t([3, 2, 9], 0, 1), d.targets([3, 2, 9], 2), d.mask([3, 2, 9])],
      needGrad: noGrad,
    },
    {
      name: 'one channel [2,1,6] with a [2,1,6] mask',
      attrs: {},
      inputs: [t([2, 1, 6], 0, 1), t([2, 1, 6], 0, 1), d.mask([2, 1, 6])],
      needGrad: noGrad,
    },
    {
      name: 'empty sample (all-zero target and mask): Dice 1',
      attrs: {},
      inputs: [t([2, 2, 5], 0, 1), d.zeros([2, 2, 5]), d.zeros([2, 1, 5])],
      needGrad: noGrad,
    },
    {
      name: 'several chunks per sample [2,2,30,30,10], masked',
      attrs: {},
      inputs: [t([2, 2, 30, 30, 10], 0, 1), t([2, 2, 30, 30, 10], 0, 1), d.mask([2, 1, 30, 30, 10])],
      needGrad: noGrad,
    },
  ],
};
