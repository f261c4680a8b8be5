import { mulberry32 } from '@deepsc/random';
import { describe, expect, it } from 'vitest';
import { rng } from '../lib/testing/index.js';

describe('rng of @deepsc/native/testing', () => {
  it("is @deepsc/random's mulberry32, so every op test draws the inputs it drew before", () => {
    expect(rng).toBe(mulberry32);
    const next = rng(42);
    expect([next(), next()].map((v) => v * 2 ** 32)).toEqual([2581720956, 1925393290]);
  });
});
