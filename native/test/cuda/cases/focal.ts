import { classData } from '../class_targets.js';
import { type OpTable, tensors } from '../table.js';

const t = tensors(29);
const d = classData(129);
const noGrad = [true, false, false];

// Both sum the loss in double with the same (1 - p)^gamma terms; the GPU's expf may differ
// from std::exp in the last ulp inside the log-sum-exp, and the partial sums are added in
// another order.
export const focal: OpTable<'focal'> = {
  op: 'focal',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    {
      name: 'DeepSC-COVID: gamma 2, class weights (0.5, 1, 1), [4,3]',
      attrs: { gamma: 2, class_weights: [0.5, 1, 1] },
      inputs: [t([4, 3], -3, 3), d.targets([4], 3), null],
      needGrad: noGrad,
    },
    {
      name: '5D [2,3,4,5,6], default gamma, masked',
      attrs: {},
      inputs: [t([2, 3, 4, 5, 6], -3, 3), d.targets([2, 4, 5, 6], 3), d.mask([2, 4, 5, 6])],
      needGrad: noGrad,
    },
    {
      name: 'gamma 0 (cross-entropy) [2,2,3,7]',
      attrs: { gamma: 0 },
      inputs: [t([2, 2, 3, 7], -3, 3), d.targets([2, 3, 7], 2), null],
      needGrad: noGrad,
    },
    {
      name: 'gamma 0.5, target with a channel axis [2,1,5,9]',
      attrs: { gamma: 0.5 },
      inputs: [t([2, 4, 5, 9], -3, 3), d.targets([2, 1, 5, 9], 4), null],
      needGrad: noGrad,
    },
    {
      name: 'confident logits in [-30, 30), gamma 2',
      attrs: { gamma: 2 },
      inputs: [t([2, 4, 37], -30, 30), d.targets([2, 37], 4), null],
      needGrad: noGrad,
    },
    {
      name: 'everything masked: 0 and a zero gradient',
      attrs: {},
      inputs: [t([2, 3, 4]), d.targets([2, 4], 3), d.zeros([2, 4])],
      needGrad: noGrad,
    },
    {
      name: 'more positions than the 1024 x 256 partial threads [1,2,64,64,66], masked',
      attrs: { gamma: 2, class_weights: [0.1, 1] },
      inputs: [t([1, 2, 64, 64, 66], -3, 3), d.targets([1, 64, 64, 66], 2), d.mask([1, 64, 64, 66])],
      needGrad: noGrad,
    },
  ],
};
