/**
 * The float64 cases shared by the broadcasting binary ops (add, mul): every broadcast pattern
 * on seeded inputs, for their case tables (test/cases/add.ts, mul.ts).
 */
import type { Reference } from '../../lib/testing/index.js';
import { broadcast64 } from './broadcast-reference.js';
import { type OpCase, type Ref, randTensor, rng } from './testing.js';

/** The float64 reference of `a op b` with broadcasting, `combine` applied elementwise. */
export function broadcastReference(combine: (x: number, y: number) => number): Reference {
  return ([a, b]: (Ref | null)[]): Ref[] => [broadcast64(a as Ref, b as Ref, combine)];
}

/** The shared broadcast cases, on inputs drawn from `seed`. */
export function broadcastCases<K extends 'add' | 'mul'>(seed: number): OpCase<K>[] {
  const r = rng(seed);
  const t = (s: number[]) => randTensor(s, r);
  const cases: OpCase<K>[] = [
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

  return cases;
}
