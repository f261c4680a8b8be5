import { softmax64 } from '../support/channel-reference.js';
import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const reference = ([x]: (Ref | null)[]): Ref[] => [softmax64(x as Ref)];

const r = rng(13);
const float64Cases: OpCase<'softmax'>[] = [
  { name: 'one channel [2,1,3]', attrs: {}, inputs: [randTensor([2, 1, 3], r)] },
  { name: 'rank 2 [4,3] (classifier logits)', attrs: {}, inputs: [randTensor([4, 3], r, -3, 3)] },
  { name: 'odd 5D [2,5,3,4,7]', attrs: {}, inputs: [randTensor([2, 5, 3, 4, 7], r, -3, 3)] },
  { name: 'size-1 dims [1,2,1,1,1]', attrs: {}, inputs: [randTensor([1, 2, 1, 1, 1], r)] },
  { name: 'several blocks per sample [2,3,600]', attrs: {}, inputs: [randTensor([2, 3, 600], r, -3, 3)] },
  { name: 'several tasks [2,16,1100]', attrs: {}, inputs: [randTensor([2, 16, 1100], r)] },
];

const t = tensors(24);

export const softmax: OpTable<'softmax'> = {
  op: 'softmax',
  reference: () => reference,
  // The same float expressions in the same channel order; expf on the GPU and std::exp on the
  // CPU may differ in the last ulp, which the division and the gradient's dot carry along.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'softmax'>(float64Only, float64Cases),
    ...withChecks<'softmax'>(cudaOnly, [
      { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6])] },
      { name: 'rank 2 [7,10] (class scores)', attrs: {}, inputs: [t([7, 10])] },
      { name: 'one channel [3,1,5]', attrs: {}, inputs: [t([3, 1, 5])] },
      { name: 'large logits in [-60, 60) [2,5,33]', attrs: {}, inputs: [t([2, 5, 33], -60, 60)] },
      { name: 'several blocks of positions [2,4,17,19]', attrs: {}, inputs: [t([2, 4, 17, 19])] },
    ]),
  ],
};
