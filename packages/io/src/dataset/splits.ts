/**
 * Seeded stratified splits and k folds: every class is spread over the parts in proportion,
 * and the same seed gives the same assignment.
 * @module
 */
import { Rng, type Seed } from '../random.js';

function groupByLabel<L extends string>(labels: readonly L[]): Map<L, number[]> {
  const groups = new Map<L, number[]>();
  labels.forEach((l, i) => {
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  // sorted label order, so the assignment does not depend on which label came first
  return new Map([...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/**
 * Assigns each item to one of `k` folds, stratified by label: within each class the items are
 * shuffled and dealt round-robin, continuing where the previous class stopped, so fold sizes
 * differ by at most one and class counts per fold by at most one.
 *
 * @param labels - one label per item.
 * @param k - number of folds (2 <= k <= items).
 * @param seed - default 0.
 * @returns the fold index (0..k-1) of each item.
 * @throws RangeError for k out of range.
 */
export function stratifiedKFold<L extends string>(labels: readonly L[], k: number, seed: Seed = 0): number[] {
  if (!Number.isInteger(k) || k < 2 || k > labels.length) {
    throw new RangeError(
      `stratifiedKFold: k must be an integer in [2, ${labels.length}] (the item count), got ${k}`,
    );
  }
  const rng = new Rng(seed).fork('kfold');
  const fold = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const [, idx] of groupByLabel(labels)) {
    rng.shuffle(idx);
    for (const i of idx) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** Fractions of a train / validation / test split (summing to 1). */
export interface SplitFractions {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

/** Item indices of each part of a split. */
export interface Split {
  readonly train: number[];
  readonly val: number[];
  readonly test: number[];
}

/**
 * A stratified train / validation / test split: each class is shuffled and cut by the
 * fractions (largest remainder per class).
 *
 * @param labels - one label per item.
 * @param fractions - default 0.7 / 0.1 / 0.2.
 * @param seed - default 0.
 * @throws RangeError when the fractions are negative or do not sum to 1.
 */
export function stratifiedSplit<L extends string>(
  labels: readonly L[],
  fractions: SplitFractions = { train: 0.7, val: 0.1, test: 0.2 },
  seed: Seed = 0,
): Split {
  const f = [fractions.train, fractions.val, fractions.test];
  if (f.some((x) => !(x >= 0)) || Math.abs(f.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new RangeError(
      `stratifiedSplit: fractions must be >= 0 and sum to 1, got train ${fractions.train}, val ${fractions.val}, test ${fractions.test}`,
    );
  }
  const rng = new Rng(seed).fork('split');
  const out: Split = { train: [], val: [], test: [] };
  const parts = [out.train, out.val, out.test];
  for (const [, idx] of groupByLabel(labels)) {
    rng.shuffle(idx);
    const exact = f.map((x) => x * idx.length);
    const counts = exact.map(Math.floor);
    const order = [0, 1, 2].sort(
      (a, b) =>
        (exact[b] as number) -
          Math.floor(exact[b] as number) -
          ((exact[a] as number) - Math.floor(exact[a] as number)) || a - b,
    );
    for (let q = 0; counts.reduce((a, b) => a + b, 0) < idx.length; q++) {
      const p = order[q % 3] as number;
      counts[p] = (counts[p] as number) + 1;
    }
    let at = 0;
    counts.forEach((c, p) => {
      (parts[p] as number[]).push(...idx.slice(at, at + c));
      at += c;
    });
  }
  for (const p of parts) p.sort((a, b) => a - b);
  return out;
}
