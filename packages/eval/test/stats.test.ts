import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  erfc,
  mannWhitneyU,
  percentile,
  seededRandom,
  summarise,
  weightedMean,
} from '../src/index.js';

const mw = JSON.parse(readFileSync(new URL('./fixtures/mann_whitney.json', import.meta.url), 'utf8')) as {
  x: number[];
  y: number[];
  u: number;
  p: number;
}[];

describe('percentile (numpy linear)', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2.5],
    [[1, 2, 3, 4], 95, 3.85],
    [[4, 1, 3, 2], 0, 1],
    [[4, 1, 3, 2], 100, 4],
    [[7], 95, 7],
    [[], 50, Number.NaN],
  ])('%j at %d = %d', (v, p, e) => {
    if (Number.isNaN(e)) expect(percentile(v, p)).toBeNaN();
    else expect(percentile(v, p)).toBeCloseTo(e, 12);
  });
  it('rejects p outside [0, 100]', () => {
    expect(() => percentile([1], -1)).toThrow(/p must lie in \[0, 100\], got -1/);
  });
});

describe('bootstrap', () => {
  it('is reproducible for a seed', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('the interval of a mean is near the normal one', () => {
    const rand = seededRandom(11);
    // uniform values: sd = 1/sqrt(12)
    const v = Array.from({ length: 400 }, () => rand());
    const iv = bootstrapInterval(v.length, (w) => weightedMean(v, w), { resamples: 2000, seed: 1 });
    const half = (1.96 * Math.sqrt(1 / 12)) / Math.sqrt(400);
    expect(iv.upper - iv.lower).toBeGreaterThan(2 * half * 0.85);
    expect(iv.upper - iv.lower).toBeLessThan(2 * half * 1.15);
    expect(iv.resamples).toBe(2000);
  });

  it('a constant sample has a degenerate interval', () => {
    const iv = bootstrapInterval(10, (w) => weightedMean(new Array(10).fill(3), w));
    expect(iv).toMatchObject({ value: 3, lower: 3, upper: 3 });
  });

  it.each([
    [0, {}, /sample size/],
    [5, { resamples: 0 }, /resamples/],
    [5, { level: 1 }, /level/],
  ])('rejects n=%d %o', (n, o, msg) => {
    expect(() => bootstrapInterval(n, () => 0, o)).toThrow(msg);
  });

  it('summarise counts NaN and infinite values apart', () => {
    const s = summarise([1, 2, 3, Number.NaN, Infinity]);
    expect(s).toMatchObject({
      n: 3,
      undefinedCount: 1,
      infiniteCount: 1,
      mean: 2,
      median: 2,
      min: 1,
      max: 3,
      std: 1,
    });
    expect(summarise([Number.NaN]).mean).toBeNaN();
  });
});

describe('Mann-Whitney U against scipy (method asymptotic, two-sided)', () => {
  it.each(mw.map((c, n) => [n, c] as const))('case %i', (_n, c) => {
    const r = mannWhitneyU(c.x, c.y);
    expect(r.u).toBeCloseTo(c.u, 9);
    expect(r.p).toBeCloseTo(c.p, 6);
    expect(r.effect).toBeCloseTo(c.u / (c.x.length * c.y.length), 12);
  });

  it('is undefined for an empty sample or all-equal values', () => {
    expect(mannWhitneyU([], [1, 2]).p).toBeNaN();
    expect(mannWhitneyU([1, 1], [1, 1]).p).toBeNaN();
    expect(mannWhitneyU([1, Number.NaN], [2]).n1).toBe(1);
  });

  it.each([
    [0, 1],
    [1, 0.157299207],
    [-1, 1.842700793],
    [3, 2.2090497e-5],
  ])('erfc(%d)', (x, e) => {
    expect(Math.abs(erfc(x) - e)).toBeLessThan(2e-7 * Math.max(1, e));
  });
});
