import { classData } from '../class_targets.js';
import { type OpTable, tensors } from '../table.js';

const t = tensors(31);
const d = classData(131);

// Sums in double on both sides over different partial orders; the gradient is the CPU's
// float expression with the same float factor 2 g / sum w.
export const mse: OpTable<'mse'> = {
  op: 'mse',
  tol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    { name: 'mean [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6]), t([2, 3, 4, 5, 6]), null] },
    {
      name: 'weighted [3,7,11], weights with zeros',
      attrs: {},
      inputs: [t([3, 7, 11]), t([3, 7, 11]), d.mask([3, 7, 11])],
      needGrad: [true, true, false],
    },
    {
      name: 'all-zero weights: 0 and zero gradients',
      attrs: {},
      inputs: [t([4, 5]), t([4, 5]), d.zeros([4, 5])],
      needGrad: [true, true, false],
    },
    { name: 'one element [1]', attrs: {}, inputs: [t([1]), t([1]), null] },
    {
      name: 'only dL/db [5,9]',
      attrs: {},
      inputs: [t([5, 9]), t([5, 9]), null],
      needGrad: [false, true, false],
    },
    {
      name: 'more elements than the 1024 x 256 partial threads [2,64,64,33], weighted',
      attrs: {},
      inputs: [t([2, 64, 64, 33]), t([2, 64, 64, 33]), d.mask([2, 64, 64, 33])],
      needGrad: [true, true, false],
    },
    { name: 'empty [0,4]', attrs: {}, inputs: [t([0, 4]), t([0, 4]), null] },
  ],
};
