/**
 * The shared suite of the broadcasting binary ops (add, mul): one table of shapes checked
 * against a float64 reference with sampled finite differences, shape inference, a
 * thread-count-independent gradient reduction and the error cases. Each op's test file calls it
 * with its own combine function and seed.
 */
import { describe, expect, it } from 'vitest';
import { backward, forward, inferShapes } from '../../lib/index.js';
import { broadcast64 } from './broadcast-reference.js';
import { checkOpSampled } from './check-sampled.js';
import { expectThrows, type OpCase, type Ref, randTensor, rng } from './testing.js';

export function broadcastBinarySuite(
  op: 'add' | 'mul',
  combine: (x: number, y: number) => number,
  seed: number,
): void {
  const reference = ([a, b]: (Ref | null)[]): Ref[] => [broadcast64(a as Ref, b as Ref, combine)];
  const r = rng(seed);
  const t = (s: number[]) => randTensor(s, r);
  const cases: OpCase<typeof op>[] = [
    { name: 'same shape, odd 5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9]), t([2, 3, 5, 7, 9])] },
    {
      name: 'per-channel [1,3,1,1,1] on [2,3,4,5,6]',
      attrs: {},
      inputs: [t([2, 3, 4, 5, 6]), t([1, 3, 1, 1, 1])],
    },
    { name: 'broadcast on both sides [4,1,3] and [5,1]', attrs: {}, inputs: [t([4, 1, 3]), t([5, 1])] },
    { name: 'lower rank [7] on [2,3,7]', attrs: {}, inputs: [t([7]), t([2, 3, 7])] },
    { name: 'scalar-like [1] on [3,17]', attrs: {}, inputs: [t([3, 17]), t([1])] },
    { name: 'inner axis broadcast [2,3,1] on [2,3,13]', attrs: {}, inputs: [t([2, 3, 13]), t([2, 3, 1])] },
    { name: 'broadcast against an empty axis [2,1] and [0]', attrs: {}, inputs: [t([2, 1]), t([0])] },
    { name: 'size-1 everywhere [1,1,1]', attrs: {}, inputs: [t([1, 1, 1]), t([1, 1, 1])] },
    {
      name: 'several tasks, per-channel [1,2,1,1] on [2,2,91,91]',
      attrs: {},
      inputs: [t([2, 2, 91, 91]), t([1, 2, 1, 1])],
    },
  ];

  describe(op, () => {
    it.each(cases)('$name', (c) => checkOpSampled(op, c, reference));

    it('infers the broadcast shape', () =>
      expect(
        inferShapes(op, {}, [
          [4, 1, 3],
          [5, 1],
        ]),
      ).toEqual([[4, 5, 3]]));
    it('reduces in the same order for any thread count', async () => {
      const { loadBinding } = await import('../../lib/index.js');
      const binding = loadBinding();
      const a = t([3, 70, 400]);
      const b = t([1, 70, 1]);
      const [y] = forward(op, {}, [a, b]);
      const g = t([3, 70, 400]);
      const run = () => backward(op, {}, [a, b], [y ?? a], [g], [true, true]);
      const before = binding.info().threads;
      try {
        binding.setNumThreads(1);
        const one = run();
        binding.setNumThreads(3);
        const three = run();
        expect(three[0]?.data).toEqual(one[0]?.data);
        expect(three[1]?.data).toEqual(one[1]?.data);
      } finally {
        binding.setNumThreads(before);
      }
    });
    it('rejects shapes that do not broadcast, naming both', () =>
      expectThrows(
        () => forward(op, {}, [t([2, 3]), t([4])]),
        TypeError,
        op,
        '[2, 3] and [4]',
        'axis -1',
        '3 vs 4',
      ));
    it('rejects a missing operand', () =>
      expectThrows(() => forward(op, {}, [t([2])]), TypeError, op, 'expected 2 inputs'));
    it('rejects an unknown attribute', () =>
      expectThrows(
        () => forward(op, { alpha: 2 } as never, [t([2]), t([2])]),
        TypeError,
        op,
        "unknown attribute 'alpha'",
      ));
  });
}
