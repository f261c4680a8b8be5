import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

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
const cases: OpCase<'slice'>[] = [
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

describe('slice', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('slice', c, ([x]) => [slice64(x as Ref, c.attrs.axis, c.attrs.start, c.attrs.length)]),
  );

  it('infers the shape', () =>
    expect(inferShapes('slice', { axis: 2, start: 1, length: 2 }, [[1, 2, 5]])).toEqual([[1, 2, 2]]));
  const x = t([2, 3, 4]);
  it('rejects a range past the end', () =>
    expectThrows(
      () => forward('slice', { axis: 2, start: 3, length: 2 }, [x]),
      RangeError,
      'slice',
      'start 3 + length 2',
      'extent 4',
    ));
  it('rejects a negative start', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: -1, length: 1 }, [x]),
      RangeError,
      'slice',
      'start -1',
    ));
  it('rejects a negative length', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: 0, length: -2 }, [x]),
      RangeError,
      'slice',
      'length -2',
    ));
  it('rejects an axis out of range', () =>
    expectThrows(
      () => forward('slice', { axis: -4, start: 0, length: 1 }, [x]),
      RangeError,
      'slice',
      'axis -4',
    ));
  it('rejects a missing attribute', () =>
    expectThrows(
      () => forward('slice', { axis: 0, start: 0 } as never, [x]),
      TypeError,
      'slice',
      "'length' is required",
    ));
});
