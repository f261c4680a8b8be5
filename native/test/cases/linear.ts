import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

/** F.linear in float64. */
const reference = ([x, w, b]: (Ref | null)[]): Ref[] => {
  const [n, f] = (x as Ref).shape as [number, number];
  const o = (w as Ref).shape[0] as number;
  const y = new Float64Array(n * o);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < o; c++) {
      let s = b ? (b.data[c] as number) : 0;
      for (let k = 0; k < f; k++)
        s += ((x as Ref).data[i * f + k] as number) * ((w as Ref).data[c * f + k] as number);
      y[i * o + c] = s;
    }
  return [{ data: y, shape: [n, o] }];
};

const r = rng(35);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'linear'>[] = [
  { name: 'classifier 448 -> 3 with bias, N=1', attrs: {}, inputs: [t([1, 448]), t([3, 448]), t([3])] },
  { name: 'no bias, odd F=13', attrs: {}, inputs: [t([5, 13]), t([7, 13]), null] },
  { name: 'F=1, O=1', attrs: {}, inputs: [t([3, 1]), t([1, 1]), t([1])] },
  { name: 'F=17 (not a multiple of 8), N=4, O=9', attrs: {}, inputs: [t([4, 17]), t([9, 17]), t([9])] },
];

const tc = tensors(27);

export const linear: OpTable<'linear'> = {
  op: 'linear',
  reference: () => reference,
  // y's dot products are summed in double on the GPU, in float lanes on the CPU; dx, dw and db
  // use the CPU's expressions in its order (they match to the last bit barring a bug).
  cudaTol: { rtol: 1e-5, atol: 1e-5 },
  cases: [
    ...withChecks<'linear'>(float64Only, float64Cases),
    ...withChecks<'linear'>(cudaOnly, [
      {
        name: 'DeepSC-COVID classifier [4,448] -> 3, bias',
        attrs: {},
        inputs: [tc([4, 448]), tc([3, 448]), tc([3])],
      },
      { name: 'odd widths [5,37] -> 33, no bias', attrs: {}, inputs: [tc([5, 37]), tc([33, 37]), null] },
      { name: 'size 1 [1,1] -> 1, bias', attrs: {}, inputs: [tc([1, 1]), tc([1, 1]), tc([1])] },
      {
        name: 'more outputs than a block [3,70] -> 300, bias',
        attrs: {},
        inputs: [tc([3, 70]), tc([300, 70]), tc([300])],
      },
      { name: 'empty batch [0,5] -> 3, bias', attrs: {}, inputs: [tc([0, 5]), tc([3, 5]), tc([3])] },
    ]),
  ],
};
