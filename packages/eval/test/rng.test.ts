import { mulberry32 } from '@deepsc/random';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/index.js';

describe('seededRandom (the bootstrap intervals generator)', () => {
  it("is @deepsc/random's mulberry32, so the intervals of earlier reports are unchanged", () => {
    expect(seededRandom).toBe(mulberry32);
    const next = seededRandom(42);
    expect([next(), next()].map((v) => v * 2 ** 32)).toEqual([2581720956, 1925393290]);
  });
});
