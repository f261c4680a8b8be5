import { classData } from '../class_targets.js';
import { type OpTable, tensors } from '../table.js';

const t = tensors(28);
const d = classData(128);
const noGrad = [true, false, false];

// Both sum the loss in double; the GPU's expf may differ from std::exp in the last ulp inside
// the log-sum-exp, and the partial sums are added in another order.
export const crossEntropy: OpTable<'cross_entropy'> = {
  op: 'cross_entropy',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    {
      name: '5D [2,3,4,5,6], class weights (0.5, 1, 1)',
      attrs: { class_weights: [0.5, 1, 1] },
      inputs: [t([2, 3, 4, 5, 6], -3, 3), d.targets([2, 4, 5, 6], 3), null],
      needGrad: noGrad,
    },
    {
      name: 'target and mask with a channel axis [2,1,3,5,7], 2 classes weighted (0.1, 1)',
      attrs: { class_weights: [0.1, 1] },
      inputs: [t([2, 2, 3, 5, 7], -3, 3), d.targets([2, 1, 3, 5, 7], 2), d.mask([2, 1, 3, 5, 7])],
      needGrad: noGrad,
    },
    {
      name: 'classifier [7,10], mask [7]',
      attrs: {},
      inputs: [t([7, 10], -4, 4), d.targets([7], 10), d.mask([7])],
      needGrad: noGrad,
    },
    {
      name: 'one class [3,1,5]',
      attrs: {},
      inputs: [t([3, 1, 5]), d.zeros([3, 5]), null],
      needGrad: noGrad,
    },
    {
      name: 'everything masked: 0 and a zero gradient',
      attrs: {},
      inputs: [t([2, 3, 4]), d.targets([2, 4], 3), d.zeros([2, 4])],
      needGrad: noGrad,
    },
    {
      name: 'confident logits in [-30, 30)',
      attrs: {},
      inputs: [t([2, 4, 37], -30, 30), d.targets([2, 37], 4), null],
      needGrad: noGrad,
    },
    {
      name: 'more positions than the 1024 x 256 partial threads [1,2,64,64,66], masked',
      attrs: { class_weights: [0.1, 1] },
      inputs: [t([1, 2, 64, 64, 66], -3, 3), d.targets([1, 64, 64, 66], 2), d.mask([1, 64, 64, 66])],
      needGrad: noGrad,
    },
    {
      name: 'empty batch [0,3,4]',
      attrs: {},
      inputs: [t([0, 3, 4]), d.targets([0, 4], 3), null],
      needGrad: noGrad,
    },
  ],
};
