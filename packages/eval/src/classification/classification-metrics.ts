/**
 * All classification metrics of a run, each headline figure with a seeded percentile-bootstrap
 * 95% interval (resampling scans).
 * @module
 */
import { type BootstrapOptions, bootstrapInterval, type Interval } from '../stats/bootstrap.js';
import { accuracyOf, classMetrics, confusionMatrix } from './confusion.js';
import { argmaxPredictions, type ClassificationInput, checkClassificationInput } from './input.js';
import { aucOf, descendingOrder, type RocCurve, rocCurve } from './roc.js';

/** Per-class figures, each with its interval. */
export interface ClassReport {
  readonly name: string;
  /** Scans whose true class this is. */
  readonly support: number;
  readonly sensitivity: Interval;
  readonly specificity: Interval;
  readonly precision: Interval;
  readonly f1: Interval;
  /** One-vs-rest ROC AUC (ties count 1/2). */
  readonly auc: Interval;
  /** One-vs-rest ROC curve on all scans. */
  readonly roc: RocCurve;
}

/** Classification metrics of a run. */
export interface ClassificationReport {
  readonly classes: readonly string[];
  readonly scans: number;
  /** Rows = true class, columns = predicted class (arg-max of the scores). */
  readonly confusion: number[][];
  readonly accuracy: Interval;
  /** Unweighted means over classes; NaN (and dropped from the bootstrap) when any class's value is undefined. */
  readonly macro: {
    readonly sensitivity: Interval;
    readonly specificity: Interval;
    readonly f1: Interval;
    readonly auc: Interval;
  };
  readonly perClass: readonly ClassReport[];
  /** The bootstrap settings used. */
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: number };
}

/**
 * Computes accuracy, per-class sensitivity / specificity / precision / F1, their macro
 * averages, one-vs-rest ROC curves and AUCs and the confusion matrix, with percentile-bootstrap
 * intervals: `resamples` resamples of the scans (seeded), undefined resample values dropped.
 * Predicted class = arg-max of the scores.
 * @param options bootstrap options (default 1000 resamples, seed 0, level 0.95).
 * @throws RangeError on malformed input (see `checkClassificationInput`).
 */
export function classificationMetrics(
  x: ClassificationInput,
  options: BootstrapOptions = {},
): ClassificationReport {
  checkClassificationInput(x);
  const c = x.classes.length;
  const n = x.labels.length;
  const pred = argmaxPredictions(x.probabilities);
  const scores = Array.from({ length: c }, (_, k) => x.probabilities.map((p) => p[k] as number));
  const positives = Array.from({ length: c }, (_, k) => x.labels.map((l) => l === k));
  const orders = scores.map(descendingOrder);
  const auc = (k: number, w?: ArrayLike<number>) =>
    aucOf(rocCurve(positives[k] as boolean[], scores[k] as number[], w, orders[k]));
  const cm = (w: ArrayLike<number>) => confusionMatrix(x.labels, pred, c, w);
  const ci = (f: (w: Float64Array) => number) => bootstrapInterval(n, f, options);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const classes = [...Array(c).keys()];
  const perClass: ClassReport[] = classes.map((k) => ({
    name: x.classes[k] as string,
    support: positives[k]?.filter(Boolean).length ?? 0,
    sensitivity: ci((w) => classMetrics(cm(w), k).sensitivity),
    specificity: ci((w) => classMetrics(cm(w), k).specificity),
    precision: ci((w) => classMetrics(cm(w), k).precision),
    f1: ci((w) => classMetrics(cm(w), k).f1),
    auc: ci((w) => auc(k, w)),
    roc: rocCurve(positives[k] as boolean[], scores[k] as number[], undefined, orders[k]),
  }));
  return {
    classes: x.classes,
    scans: n,
    confusion: confusionMatrix(x.labels, pred, c),
    accuracy: ci((w) => accuracyOf(cm(w))),
    macro: {
      sensitivity: ci((w) => {
        const m = cm(w);
        return mean(classes.map((k) => classMetrics(m, k).sensitivity));
      }),
      specificity: ci((w) => {
        const m = cm(w);
        return mean(classes.map((k) => classMetrics(m, k).specificity));
      }),
      f1: ci((w) => {
        const m = cm(w);
        return mean(classes.map((k) => classMetrics(m, k).f1));
      }),
      auc: ci((w) => mean(classes.map((k) => auc(k, w)))),
    },
    perClass,
    bootstrap: {
      resamples: options.resamples ?? 1000,
      seed: options.seed ?? 0,
      level: options.level ?? 0.95,
    },
  };
}
