import { mulberry32 as shared } from '@deepsc/random';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/index.js';

describe('mulberry32 (parameter initialisation)', () => {
  it("is @deepsc/random's, so initial parameters are unchanged", () => {
    expect(mulberry32).toBe(shared);
    const next = mulberry32(42);
    expect([next(), next()].map((v) => v * 2 ** 32)).toEqual([2581720956, 1925393290]);
  });
});
