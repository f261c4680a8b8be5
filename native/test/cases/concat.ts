import { type OpCase, type Ref, randTensor, rng } from '../support/testing.js';
import { cudaOnly, float64Only, type OpTable, tensors, withChecks } from './table.js';

/** torch.cat in float64. */
export function concat64(parts: Ref[], axisIn: number): Ref {
  const first = parts[0] as Ref;
  const axis = axisIn < 0 ? axisIn + first.shape.length : axisIn;
  const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inners = parts.map((p) => p.shape.slice(axis).reduce((a, b) => a * b, 1));
  const width = inners.reduce((a, b) => a + b, 0);
  const out = new Float64Array(outer * width);
  for (let o = 0; o < outer; o++) {
    let col = 0;
    parts.forEach((p, i) => {
      const inner = inners[i] as number;
      out.set(p.data.subarray(o * inner, (o + 1) * inner), o * width + col);
      col += inner;
    });
  }
  const shape = [...first.shape];
  shape[axis] = parts.reduce((s, p) => s + (p.shape[axis] as number), 0);
  return { data: out, shape };
}

const r = rng(23);
const t = (s: number[]) => randTensor(s, r);
const float64Cases: OpCase<'concat'>[] = [
  { name: 'one input', attrs: {}, inputs: [t([2, 3, 4])] },
  {
    name: 'channels (default axis 1), three inputs',
    attrs: {},
    inputs: [t([2, 1, 3, 4, 5]), t([2, 3, 3, 4, 5]), t([2, 2, 3, 4, 5])],
  },
  { name: 'axis 0', attrs: { axis: 0 }, inputs: [t([1, 3, 5]), t([2, 3, 5])] },
  {
    name: 'last axis via -1, odd widths',
    attrs: { axis: -1 },
    inputs: [t([3, 2, 7]), t([3, 2, 1]), t([3, 2, 9])],
  },
  { name: 'zero-extent part', attrs: { axis: 1 }, inputs: [t([2, 0, 3]), t([2, 2, 3])], grad: [false, true] },
  { name: 'several tasks [2,5|3,40,41]', attrs: {}, inputs: [t([2, 5, 40, 41]), t([2, 3, 40, 41])] },
];

const tc = tensors(16);

export const concat: OpTable<'concat'> = {
  op: 'concat',
  reference: (attrs) => (xs) => [concat64(xs as Ref[], attrs.axis ?? 1)],
  // Exact: data movement only.
  cudaTol: { rtol: 0, atol: 0 },
  cases: [
    ...withChecks<'concat'>(float64Only, float64Cases),
    ...withChecks<'concat'>(cudaOnly, [
      {
        name: 'three inputs along channels (default axis)',
        attrs: {},
        inputs: [tc([2, 1, 3, 4, 5]), tc([2, 3, 3, 4, 5]), tc([2, 2, 3, 4, 5])],
      },
      {
        name: 'three inputs along W (axis -1)',
        attrs: { axis: -1 },
        inputs: [tc([1, 2, 3, 4, 1]), tc([1, 2, 3, 4, 5]), tc([1, 2, 3, 4, 2])],
      },
      {
        name: 'three inputs along axis 0',
        attrs: { axis: 0 },
        inputs: [tc([1, 3, 4]), tc([2, 3, 4]), tc([3, 3, 4])],
      },
      {
        name: 'along D, the middle input without a gradient',
        attrs: { axis: 2 },
        inputs: [tc([1, 2, 3, 2, 3]), tc([1, 2, 1, 2, 3]), tc([1, 2, 2, 2, 3])],
        grad: [true, false, true],
      },
      { name: 'one input', attrs: { axis: 1 }, inputs: [tc([2, 3, 4])] },
      { name: 'rank 2 along columns', attrs: { axis: 1 }, inputs: [tc([3, 5]), tc([3, 1])] },
    ]),
  ],
};
