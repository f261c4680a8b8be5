import { describe, expect, it } from 'vitest';
import { Rng, rngFromSource } from '../src/random.js';

describe('Rng', () => {
  it.each([0, 1, 42, 2 ** 40, 'cohort/scan-3'])('seed %s: same seed, same stream', (seed) => {
    const a = new Rng(seed);
    const b = new Rng(seed);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it('different seeds give different streams', () => {
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
    expect(new Rng(2 ** 32).next()).not.toBe(new Rng(0).next());
  });
  it('fork does not depend on what the parent drew', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    b.next();
    b.normal();
    expect(a.fork('x').next()).toBe(b.fork('x').next());
    expect(a.fork('x').next()).not.toBe(a.fork('y').next());
  });
  it('distributions have the right moments', () => {
    const r = new Rng(3);
    const n = 20000;
    const mean = (f: () => number) => Array.from({ length: n }, f).reduce((s, v) => s + v, 0) / n;
    expect(mean(() => r.normal(5, 2))).toBeCloseTo(5, 1);
    expect(mean(() => r.beta(2, 6))).toBeCloseTo(0.25, 1);
    expect(mean(() => r.poisson(3.5))).toBeCloseTo(3.5, 1);
    expect(mean(() => r.gamma(0.5))).toBeCloseTo(0.5, 1);
    const ints = Array.from({ length: 1000 }, () => r.int(2, 5));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    const picks = Array.from({ length: 3000 }, () => r.choiceIndex([0, 1, 3]));
    expect(picks.filter((p) => p === 0).length).toBe(0);
    expect(picks.filter((p) => p === 2).length / 3000).toBeCloseTo(0.75, 1);
  });
  it.each([
    [() => new Rng(-1), /non-negative/],
    [() => new Rng(1.5), /non-negative/],
    [() => new Rng(1).int(3, 3), /lo < hi/],
    [() => new Rng(1).choiceIndex([0, 0]), /positive weight/],
    [() => new Rng(1).gamma(0), /shape/],
    [() => new Rng(1).poisson(-1), /mean/],
  ])('bad argument %# throws a RangeError that names it', (f, msg) => {
    expect(f).toThrow(RangeError);
    expect(f).toThrow(msg);
  });
});

describe("rngFromSource: io's draws from a caller's uniform stream", () => {
  /** A source replaying fixed uniforms, counting the draws. */
  const replay = (values: number[]) => {
    let i = 0;
    return { next: () => values[i++ % values.length] as number, drawn: () => i };
  };
  it.each([
    ['int', (r: Rng) => r.int(0, 10), [0.05, 0.95], [0, 9]],
    ['uniform', (r: Rng) => r.uniform(2, 4), [0.25, 0.5], [2.5, 3]],
    ['bernoulli', (r: Rng) => r.bernoulli(0.5), [0.4, 0.6], [true, false]],
    ['nextUint32', (r: Rng) => r.nextUint32(), [0.5, 0.25], [2147483648, 1073741824]],
  ] as const)('%s reads source.next() once per draw', (_what, draw, values, expected) => {
    const src = replay([...values]);
    const r = rngFromSource(src);
    expect([draw(r), draw(r)]).toEqual(expected);
    expect(src.drawn()).toBe(2);
  });
  it('an io Rng given as the source is used as it is (the same stream, fork included)', () => {
    const own = new Rng('s');
    expect(rngFromSource(own)).toBe(own);
  });
  it('an Rng over a foreign source refuses to fork (it has no seed): a TypeError naming the key', () => {
    expect(() => rngFromSource({ next: () => 0.5 }).fork('patch')).toThrow(/no seed to fork 'patch'/);
  });
});
