import { describe, expect, it } from 'vitest';
import { forward, inferShapes } from '../lib/index.js';
import { checkOpSampled } from './support/check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './support/testing.js';

/** torch.cat in float64. */
function concat64(parts: Ref[], axisIn: number): Ref {
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
const cases: OpCase<'concat'>[] = [
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

describe('concat', () => {
  it.each(cases)('$name', (c) =>
    checkOpSampled('concat', c, (xs) => [concat64(xs as Ref[], c.attrs.axis ?? 1)]),
  );

  it('gradients only for the inputs asked for', () =>
    checkOpSampled(
      'concat',
      { name: 'partial', attrs: {}, inputs: [t([1, 2, 3]), t([1, 1, 3])], grad: [false, true] },
      (xs) => [concat64(xs as Ref[], 1)],
    ));
  it('infers the joined extent', () =>
    expect(
      inferShapes('concat', { axis: 2 }, [
        [1, 2, 3],
        [1, 2, 4],
      ]),
    ).toEqual([[1, 2, 7]]));
  it('rejects mismatched extents outside the axis', () =>
    expectThrows(
      () => forward('concat', {}, [t([1, 2, 3]), t([1, 2, 4])]),
      TypeError,
      'concat',
      'input 1',
      '[1, 2, 4]',
    ));
  it('rejects mismatched ranks', () =>
    expectThrows(() => forward('concat', {}, [t([1, 2, 3]), t([1, 2])]), TypeError, 'concat', '[1, 2]'));
  it('rejects an axis out of range', () =>
    expectThrows(
      () => forward('concat', { axis: 3 }, [t([1, 2, 3])]),
      RangeError,
      'concat',
      'axis 3',
      'rank 3',
    ));
  it('rejects no inputs', () =>
    expectThrows(() => forward('concat', {}, []), TypeError, 'concat', 'at least 1'));
  it('rejects a non-integer axis', () =>
    expectThrows(() => forward('concat', { axis: 1.5 }, [t([1, 2])]), TypeError, 'concat', 'integer'));
});
