/**
 * Voxel-overlap counts and the overlap metrics built on them.
 * @module
 */

/** Voxel counts of a prediction against a truth. */
export interface OverlapCounts {
  /** Foreground in both. */
  readonly tp: number;
  /** Foreground in the prediction only. */
  readonly fp: number;
  /** Foreground in the truth only. */
  readonly fn: number;
  /** Background in both. */
  readonly tn: number;
}

/** Counts true / false positives and negatives of two 0/1 arrays of equal length. */
export function overlapCounts(pred: Uint8Array, truth: Uint8Array): OverlapCounts {
  if (pred.length !== truth.length)
    throw new RangeError(`overlap: ${pred.length} and ${truth.length} voxels differ`);
  let tp = 0;
  let np = 0;
  let nt = 0;
  for (let v = 0; v < pred.length; v++) {
    const p = pred[v] as number;
    const t = truth[v] as number;
    tp += p & t;
    np += p;
    nt += t;
  }
  return { tp, fp: np - tp, fn: nt - tp, tn: pred.length - np - nt + tp };
}

/**
 * Dice similarity coefficient 2|P∩T| / (|P| + |T|) (Dice, Ecology 26, 1945).
 * Both empty: 1 (perfect agreement on "no lesion"); one empty: 0.
 */
export function diceFromCounts(c: OverlapCounts): number {
  const den = 2 * c.tp + c.fp + c.fn;
  return den === 0 ? 1 : (2 * c.tp) / den;
}

/** Intersection over union |P∩T| / |P∪T| (Jaccard). Both empty: 1; one empty: 0. */
export function iouFromCounts(c: OverlapCounts): number {
  const den = c.tp + c.fp + c.fn;
  return den === 0 ? 1 : c.tp / den;
}

/** Sensitivity (recall) |P∩T| / |T|; NaN (undefined) when the truth is empty. */
export function sensitivityFromCounts(c: OverlapCounts): number {
  const den = c.tp + c.fn;
  return den === 0 ? Number.NaN : c.tp / den;
}

/** Precision (positive predictive value) |P∩T| / |P|; NaN (undefined) when the prediction is empty. */
export function precisionFromCounts(c: OverlapCounts): number {
  const den = c.tp + c.fp;
  return den === 0 ? Number.NaN : c.tp / den;
}
