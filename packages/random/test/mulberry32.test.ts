import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/index.js';

/** The first draws times 2^32 (exact integers), as the three copies this package replaced gave them. */
const pinned: readonly [seed: number, words: readonly number[]][] = [
  [0, [1144304738, 1416247, 958946056, 627933444]],
  [1, [2693262067, 11749833, 2265367787, 4213581821]],
  [42, [2581720956, 1925393290, 3661312704, 2876485805]],
  [0xdeadbeef, [4043151706, 1147597007, 3315858022, 1538288752]],
];

const words = (seed: number, n: number) => {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => next() * 2 ** 32);
};

describe('mulberry32', () => {
  it.each(pinned)('seed %d gives the pinned stream', (seed, expected) => {
    expect(words(seed, expected.length)).toEqual(expected);
  });

  it.each([
    [-1, 2 ** 32 - 1],
    [2 ** 32 + 5, 5],
    [-(2 ** 32), 0],
    [2 ** 40 + 42, 42],
  ])('seed %d is taken modulo 2^32 (the stream of %d)', (seed, same) => {
    expect(words(seed, 8)).toEqual(words(same, 8));
  });

  it('draws in [0, 1), multiples of 2^-32, and two generators of one seed do not share state', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const first = a();
    const bad = Array.from({ length: 10_000 }, () => a()).filter(
      (v) => !(v >= 0 && v < 1 && Number.isInteger(v * 2 ** 32)),
    );
    expect(bad).toEqual([]);
    expect(b()).toBe(first);
  });

  it('different seeds give different streams', () => {
    const firsts = new Set(Array.from({ length: 1000 }, (_, s) => mulberry32(s)()));
    expect(firsts.size).toBe(1000);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, -1.25])(
    'refuses the seed %d, naming it',
    (seed) => {
      expect(() => mulberry32(seed)).toThrow(RangeError);
      expect(() => mulberry32(seed)).toThrow(`mulberry32: the seed must be an integer, got ${seed}`);
    },
  );
});
