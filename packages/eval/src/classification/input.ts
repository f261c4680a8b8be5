/**
 * The classification input every metric takes: true labels and class probabilities per scan.
 * @module
 */

/** Labels and scores of n scans over C classes. */
export interface ClassificationInput {
  /** Class names, index = class id (e.g. `['COVID-19', 'CAP', 'non-pneumonia']`). */
  readonly classes: readonly string[];
  /** True class id of each scan, in 0 .. C-1. */
  readonly labels: readonly number[];
  /** Per scan, C scores (probabilities, or any scores where higher means more likely). */
  readonly probabilities: readonly (readonly number[])[];
}

/**
 * Checks the input's shape: at least 2 classes, labels in range, one finite score per class
 * per scan, at least one scan.
 * @throws RangeError naming the first bad scan or value.
 */
export function checkClassificationInput(x: ClassificationInput): void {
  const c = x.classes.length;
  if (c < 2) throw new RangeError(`classification: need at least 2 classes, got ${c}`);
  if (x.labels.length === 0) throw new RangeError('classification: no scans');
  if (x.labels.length !== x.probabilities.length) {
    throw new RangeError(
      `classification: ${x.labels.length} labels but ${x.probabilities.length} probability rows`,
    );
  }
  x.labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= c) {
      throw new RangeError(`classification: label of scan ${i} is ${l}, expected a class id in 0..${c - 1}`);
    }
    const p = x.probabilities[i] as readonly number[];
    if (p.length !== c || !p.every(Number.isFinite)) {
      throw new RangeError(`classification: scan ${i} needs ${c} finite scores, got [${p.join(', ')}]`);
    }
  });
}

/** The predicted class of each scan: the arg-max of its scores (the lowest id on ties). */
export function argmaxPredictions(probabilities: readonly (readonly number[])[]): number[] {
  return probabilities.map((p) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if ((p[k] as number) > (p[best] as number)) best = k;
    return best;
  });
}
