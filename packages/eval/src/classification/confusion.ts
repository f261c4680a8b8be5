/**
 * Confusion matrix and the per-class metrics read off it.
 * @module
 */

/**
 * C x C confusion matrix, rows = true class, columns = predicted class, entries = (weighted)
 * counts.
 * @param weights per-scan multiplicities (default all 1), as the bootstrap passes them.
 */
export function confusionMatrix(
  labels: readonly number[],
  predicted: readonly number[],
  classCount: number,
  weights?: ArrayLike<number>,
): number[][] {
  const m = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = m[labels[i] as number] as number[];
    const p = predicted[i] as number;
    row[p] = (row[p] as number) + (weights ? (weights[i] as number) : 1);
  }
  return m;
}

/** One-vs-rest metrics of one class. Undefined ratios (zero denominators) are NaN. */
export interface ClassMetrics {
  /** TP / (TP + FN): recall of the class. */
  readonly sensitivity: number;
  /** TN / (TN + FP). */
  readonly specificity: number;
  /** TP / (TP + FP). */
  readonly precision: number;
  /** 2 TP / (2 TP + FP + FN). */
  readonly f1: number;
  /** Scans of the class (row sum). */
  readonly support: number;
}

/** One-vs-rest sensitivity, specificity, precision and F1 of class `c` from a confusion matrix. */
export function classMetrics(m: readonly (readonly number[])[], c: number): ClassMetrics {
  let total = 0;
  let row = 0;
  let col = 0;
  for (let a = 0; a < m.length; a++) {
    for (let b = 0; b < m.length; b++) {
      const v = (m[a] as readonly number[])[b] as number;
      total += v;
      if (a === c) row += v;
      if (b === c) col += v;
    }
  }
  const tp = (m[c] as readonly number[])[c] as number;
  const fn = row - tp;
  const fp = col - tp;
  const tn = total - row - col + tp;
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  return {
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    precision: ratio(tp, tp + fp),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    support: row,
  };
}

/** Fraction of (weighted) scans on the diagonal. */
export function accuracyOf(m: readonly (readonly number[])[]): number {
  let total = 0;
  let diag = 0;
  m.forEach((r, a) => {
    r.forEach((v, b) => {
      total += v;
      if (a === b) diag += v;
    });
  });
  return total === 0 ? Number.NaN : diag / total;
}
