import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

/** torch.narrow in float64. */
function slice64(x: Ref, axisIn: number, start: number, length: number): Ref {
  const axis = axisIn < 0 ? axisIn + x.shape.length : axisIn;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const ext = x.shape[axis] as number;
  const out = new Float64Array(outer * length * inner);
  for (let o = 0; o < outer; o++)
    out.set(
      x.data.subarray((o * ext + start) * inner, (o * ext + start + length) * inner),
      o * length * inner,
    );
  const shape = [...x.shape];
  shape[axis] = length;
  return { data: out, shape };
}

const r = rng(24);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'slice'>[] = [
  {
    name: 'one channel of [2,3,4,5,6] (the lesion channel)',
    attrs: { axis: 1, start: 1, length: 1 },
    inputs: [t([2, 3, 4, 5, 6])],
  },
  { name: 'whole axis', attrs: { axis: 0, start: 0, length: 3 }, inputs: [t([3, 5])] },
  { name: 'last axis via -1, odd width', attrs: { axis: -1, start: 2, length: 7 }, inputs: [t([2, 3, 11])] },
  { name: 'empty range', attrs: { axis: 1, start: 2, length: 0 }, inputs: [t([2, 3, 4])] },
  { name: 'rank 1', attrs: { axis: 0, start: 5, length: 9 }, inputs: [t([17])] },
  {
    name: 'several tasks [40,3,900] axis 1',
    attrs: { axis: 1, start: 1, length: 2 },
    inputs: [t([40, 3, 900])],
  },
];

const tc = tensors(17);

export const slice: OpTable<'slice'> = {
  op: 'slice',
  reference:
    (attrs) =>
    ([x]) => [slice64(x as Ref, attrs.axis, attrs.start, attrs.length)],
  // Exact: data movement only.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'slice'>(float64Only, float64Cases),
    ...withChecks<'slice'>(cudaOnly, [
      { name: 'one channel', attrs: { axis: 1, start: 1, length: 1 }, inputs: [tc([2, 3, 4, 5, 6])] },
      { name: 'last axis (axis -1)', attrs: { axis: -1, start: 2, length: 3 }, inputs: [tc([2, 3, 7])] },
      { name: 'the whole of axis 0', attrs: { axis: 0, start: 0, length: 3 }, inputs: [tc([3, 4])] },
      {
        name: 'last index of an odd axis',
        attrs: { axis: 2, start: 4, length: 1 },
        inputs: [tc([1, 2, 5, 3, 3])],
      },
      { name: 'empty slice', attrs: { axis: 1, start: 2, length: 0 }, inputs: [tc([2, 3, 4])] },
    ]),
  ],
};
