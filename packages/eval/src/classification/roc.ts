/**
 * One-vs-rest ROC curves and their area, with tied scores handled exactly.
 * @module
 */

/** A ROC curve: false- and true-positive rates at each distinct score threshold, from (0, 0) to (1, 1). */
export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
  /** The thresholds: point k counts scans with score >= thresholds[k-1] positive (point 0: none). */
  readonly thresholds: number[];
}

/**
 * Scans sorted by descending score, computed once so each bootstrap resample walks it in O(n).
 * @returns indices into `scores`.
 */
export function descendingOrder(scores: readonly number[]): Int32Array {
  const idx = Int32Array.from(scores.keys());
  return idx.sort((a, b) => (scores[b] as number) - (scores[a] as number));
}

/**
 * ROC curve of `positive[i]` against `scores[i]`. Tied scores form one step (a diagonal
 * segment), so the trapezoidal area equals the Mann-Whitney probability P(s+ > s-) + P(s+ = s-)/2.
 * Rates are NaN when there are no positives (tpr) or no negatives (fpr).
 * @param weights per-scan multiplicities (default 1).
 * @param order `descendingOrder(scores)`, when already computed.
 */
export function rocCurve(
  positive: readonly boolean[],
  scores: readonly number[],
  weights?: ArrayLike<number>,
  order: Int32Array = descendingOrder(scores),
): RocCurve {
  let pTotal = 0;
  let nTotal = 0;
  for (let i = 0; i < scores.length; i++) {
    const w = weights ? (weights[i] as number) : 1;
    if (positive[i]) pTotal += w;
    else nTotal += w;
  }
  const fpr = [0];
  const tpr = [0];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  let g = 0;
  while (g < order.length) {
    const s = scores[order[g] as number] as number;
    let h = g;
    while (h < order.length && scores[order[h] as number] === s) {
      const i = order[h] as number;
      const w = weights ? (weights[i] as number) : 1;
      if (positive[i]) tp += w;
      else fp += w;
      h++;
    }
    fpr.push(nTotal === 0 ? Number.NaN : fp / nTotal);
    tpr.push(pTotal === 0 ? Number.NaN : tp / pTotal);
    thresholds.push(s);
    g = h;
  }
  return { fpr, tpr, thresholds };
}

/** Trapezoidal area under a ROC curve; NaN when the class has no positives or no negatives. */
export function aucOf(curve: RocCurve): number {
  let a = 0;
  for (let k = 1; k < curve.fpr.length; k++) {
    a +=
      ((curve.fpr[k] as number) - (curve.fpr[k - 1] as number)) *
      ((curve.tpr[k] as number) + (curve.tpr[k - 1] as number)) *
      0.5;
  }
  return a;
}
