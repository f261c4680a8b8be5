import { describe, expect, it } from 'vitest';
import { stratifiedKFold, stratifiedSplit } from '../src/dataset/splits.js';

const labels = [
  ...Array(23).fill('covid'),
  ...Array(16).fill('cap'),
  ...Array(11).fill('normal'),
] as string[];

describe('stratifiedKFold', () => {
  it.each([2, 5, 10])('k = %i: folds balanced overall and per class, deterministic', (k) => {
    const f = stratifiedKFold(labels, k, 7);
    expect(stratifiedKFold(labels, k, 7)).toEqual(f);
    const sizes = Array.from({ length: k }, (_, q) => f.filter((x) => x === q).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const l of ['covid', 'cap', 'normal']) {
      const per = Array.from({ length: k }, (_, q) => f.filter((x, i) => x === q && labels[i] === l).length);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
  });
  it('another seed gives another assignment', () => {
    expect(stratifiedKFold(labels, 5, 1)).not.toEqual(stratifiedKFold(labels, 5, 2));
  });
  it.each([1, 51, 2.5])('k = %s is refused', (k) => {
    expect(() => stratifiedKFold(labels, k)).toThrow(/k must be an integer in \[2, 50\]/);
  });
});

describe('stratifiedSplit', () => {
  it('splits each class by the fractions, covers every item once, deterministic', () => {
    const s = stratifiedSplit(labels, { train: 0.6, val: 0.2, test: 0.2 }, 3);
    expect(stratifiedSplit(labels, { train: 0.6, val: 0.2, test: 0.2 }, 3)).toEqual(s);
    const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(labels.map((_, i) => i));
    const count = (part: number[], l: string) => part.filter((i) => labels[i] === l).length;
    expect(count(s.test, 'covid')).toBeGreaterThanOrEqual(4);
    expect(count(s.test, 'covid')).toBeLessThanOrEqual(5);
    expect(count(s.val, 'normal')).toBeGreaterThanOrEqual(2);
    expect(count(s.train, 'cap')).toBeGreaterThanOrEqual(9);
  });
  it.each([
    { train: 0.5, val: 0.2, test: 0.2 },
    { train: 1.2, val: -0.2, test: 0 },
  ])('fractions %o are refused', (f) => {
    expect(() => stratifiedSplit(labels, f)).toThrow(/sum to 1/);
  });
});
