/**
 * The shared suite of the broadcasting binary ops (add, mul): the op's case table
 * (test/cases/add.ts, mul.ts, whose float64 cases are `broadcastCases`) against its float64
 * reference, shape inference, a thread-count-independent gradient reduction and the error
 * cases. Each op's test file calls it with its table.
 */
import { describe, expect, it } from 'vitest';
import { backward, forward, inferShapes } from '../../lib/index.js';
import type { OpTable } from '../cases/table.js';
import { float64Suite } from './float64-suite.js';
import { expectThrows, randTensor, rng } from './testing.js';

export function broadcastBinarySuite<K extends 'add' | 'mul'>(table: OpTable<K>): void {
  const op = table.op;
  const r = rng(33);
  const t = (s: number[]) => randTensor(s, r);

  describe(op, () => {
    float64Suite(table);

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
