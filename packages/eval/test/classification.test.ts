import { describe, expect, it } from 'vitest';
import { aucOf, classificationMetrics, confusionMatrix, rocCurve } from '../src/index.js';

// labels and scores worked by hand in the comments
const hand = {
  classes: ['COVID-19', 'CAP', 'non-pneumonia'],
  labels: [0, 0, 0, 1, 1, 2],
  probabilities: [
    [0.7, 0.2, 0.1], // -> 0
    [0.4, 0.4, 0.2], // tie 0/1 -> 0 (lowest id)
    [0.3, 0.5, 0.2], // -> 1
    [0.4, 0.5, 0.1], // -> 1
    [0.2, 0.3, 0.5], // -> 2
    [0.1, 0.3, 0.6], // -> 2
  ],
};

describe('classification metrics on a hand-computed case', () => {
  const r = classificationMetrics(hand, { resamples: 200, seed: 7 });

  it('confusion matrix (rows true, columns arg-max, ties to the lowest id) and accuracy', () => {
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(r.accuracy.value).toBeCloseTo(4 / 6, 12);
  });

  it.each([
    [0, { sensitivity: 2 / 3, specificity: 1, precision: 1, f1: 0.8, auc: 7.5 / 9 }],
    [1, { sensitivity: 0.5, specificity: 0.75, precision: 0.5, f1: 0.5, auc: 5 / 8 }],
    [2, { sensitivity: 1, specificity: 0.8, precision: 0.5, f1: 2 / 3, auc: 1 }],
  ] as const)('class %i one-vs-rest (AUC with a tie counted 1/2)', (k, e) => {
    const c = r.perClass[k]!;
    for (const [name, v] of Object.entries(e))
      expect(c[name as keyof typeof e].value, name).toBeCloseTo(v, 12);
  });

  it('macro averages', () => {
    expect(r.macro.sensitivity.value).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
    expect(r.macro.specificity.value).toBeCloseTo((1 + 0.75 + 0.8) / 3, 12);
    expect(r.macro.f1.value).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(r.macro.auc.value).toBeCloseTo((7.5 / 9 + 5 / 8 + 1) / 3, 12);
  });

  it('the ROC curve of class 1 steps diagonally through tied scores', () => {
    const roc = r.perClass[1]!.roc;
    expect(roc.fpr).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(roc.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(roc.thresholds).toEqual([0.5, 0.4, 0.3, 0.2]);
  });

  it('intervals are seeded, reproducible and hold the point estimate', () => {
    const again = classificationMetrics(hand, { resamples: 200, seed: 7 });
    const other = classificationMetrics(hand, { resamples: 200, seed: 8 });
    expect(again.accuracy).toEqual(r.accuracy);
    expect(
      other.accuracy.lower !== r.accuracy.lower ||
        other.accuracy.upper !== r.accuracy.upper ||
        other.macro.auc.lower !== r.macro.auc.lower,
    ).toBe(true);
    for (const iv of [r.accuracy, r.macro.auc, r.perClass[0]!.sensitivity]) {
      expect(iv.lower).toBeLessThanOrEqual(iv.value);
      expect(iv.upper).toBeGreaterThanOrEqual(iv.value);
      expect(iv.level).toBe(0.95);
    }
    // resamples lacking a class leave its sensitivity undefined and are dropped
    expect(r.perClass[2]!.sensitivity.resamples).toBeLessThan(200);
    expect(r.bootstrap).toEqual({ resamples: 200, seed: 7, level: 0.95 });
  });
});

describe('ROC and AUC', () => {
  it.each([
    ['perfect', [true, true, false, false], [0.9, 0.8, 0.2, 0.1], 1],
    ['inverted', [false, false, true, true], [0.9, 0.8, 0.2, 0.1], 0],
    ['all tied', [true, false, true, false], [0.5, 0.5, 0.5, 0.5], 0.5],
    ['half tied', [true, false, false], [0.5, 0.5, 0.1], 0.75],
  ] as const)('%s', (_n, pos, scores, auc) => {
    expect(aucOf(rocCurve([...pos], [...scores]))).toBeCloseTo(auc, 12);
  });

  it('weights act as repeated scans', () => {
    const w = rocCurve([true, false, true], [0.9, 0.5, 0.4], [2, 1, 0]);
    const rep = rocCurve([true, true, false], [0.9, 0.9, 0.5]);
    expect(aucOf(w)).toBeCloseTo(aucOf(rep), 12);
  });

  it('is NaN without negatives', () => {
    expect(aucOf(rocCurve([true, true], [0.1, 0.2]))).toBeNaN();
  });

  it('confusion matrix with weights', () => {
    expect(confusionMatrix([0, 1, 1], [0, 0, 1], 2, [1, 2, 3])).toEqual([
      [1, 0],
      [2, 3],
    ]);
  });
});

describe('classification input errors', () => {
  const base = {
    classes: ['a', 'b'],
    labels: [0, 1],
    probabilities: [
      [0.6, 0.4],
      [0.3, 0.7],
    ],
  };
  it.each([
    [{ ...base, classes: ['a'] }, /at least 2 classes/],
    [{ ...base, labels: [], probabilities: [] }, /no scans/],
    [{ ...base, labels: [0] }, /1 labels but 2 probability rows/],
    [{ ...base, labels: [0, 2] }, /label of scan 1 is 2, expected a class id in 0..1/],
    [{ ...base, labels: [0, 0.5] }, /label of scan 1 is 0.5/],
    [{ ...base, probabilities: [[0.6, 0.4], [0.3]] }, /scan 1 needs 2 finite scores/],
    [
      {
        ...base,
        probabilities: [
          [0.6, Number.NaN],
          [0.3, 0.7],
        ],
      },
      /scan 0 needs 2 finite scores/,
    ],
  ])('rejects %#', (x, msg) => {
    expect(() => classificationMetrics(x)).toThrow(msg);
  });
});
