import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

const r = rng(61);
const reference = ([x]: (Ref | null)[]): Ref[] => {
  const t = x as Ref;
  const [n, c] = t.shape as [number, number];
  const s = t.data.length / (n * c);
  const y = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) {
    let sum = 0;
    for (let k = 0; k < s; k++) sum += t.data[i * s + k] as number;
    y[i] = sum / s;
  }
  return [{ data: y, shape: [n, c] }];
};

const gp = (name: string, shape: number[]): OpCase<'global_avg_pool'> => ({
  name,
  attrs: {},
  inputs: [randTensor(shape, r)],
});
const float64Cases: OpCase<'global_avg_pool'>[] = [
  gp('5D odd [2,3,3,5,7]', [2, 3, 3, 5, 7]),
  gp('size-1 spatial [1,4,1,1,1]', [1, 4, 1, 1, 1]),
  gp('rank 3 [3,2,17]', [3, 2, 17]),
  gp('rank 4 [1,1,6,11]', [1, 1, 6, 11]),
  gp('rows over one chunk [1,2,20,30,31]', [1, 2, 20, 30, 31]),
];

const t = tensors(26);

export const globalAvgPool: OpTable<'global_avg_pool'> = {
  op: 'global_avg_pool',
  reference: () => reference,
  probes: 400,
  skipEmpty: false,
  // Row sums in double on both sides over different partial orders (the CPU's float lanes per
  // chunk, the GPU's block tree); the gradient is the same float product on both.
  cudaTol: { rtol: 1e-5, atol: 1e-6 },
  cases: [
    ...withChecks<'global_avg_pool'>(float64Only, float64Cases),
    ...withChecks<'global_avg_pool'>(cudaOnly, [
      { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6])] },
      { name: 'rank 3 [3,5,7]', attrs: {}, inputs: [t([3, 5, 7])] },
      { name: 'rank 4 [2,2,3,1]', attrs: {}, inputs: [t([2, 2, 3, 1])] },
      { name: 'size-1 everything [1,1,1,1,1]', attrs: {}, inputs: [t([1, 1, 1, 1, 1])] },
      { name: 'several blocks per row [2,3,9,9,9]', attrs: {}, inputs: [t([2, 3, 9, 9, 9])] },
      { name: 'two chunks per row [1,2,20,30,31]', attrs: {}, inputs: [t([1, 2, 20, 30, 31])] },
    ]),
  ],
};
