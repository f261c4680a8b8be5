/**
 * Validation during training: every scan of the validation split through the model's
 * `predict` (`predictPrepared`), scored on the model's grid (fast; the final evaluation in the
 * scans' own geometry is `evaluate-split.ts`). Metrics, for the tasks the model has: with
 * classes, accuracy and macro one-vs-rest AUC (`@deepsc/eval`) and the mean cross-entropy of
 * the true class (`loss`); with segmentation, the mean Dice of the thresholded lesion
 * probability over the scans whose ground truth holds lesion (`dice`).
 * @module
 */
import { argmaxPredictions, aucOf, diceFromCounts, overlapCounts, rocCurve } from '@deepsc/eval';
import type { PreparedScan } from '@deepsc/io';
import { type Predictor, predictPrepared } from './infer.js';
import { classIndexOf } from './labels.js';

/**
 * Validation metrics: only those of the model's tasks are present (NaN where undefined: no
 * labelled scan, or no scan with lesion).
 */
export interface ValidationMetrics {
  accuracy?: number;
  auc?: number;
  loss?: number;
  dice?: number;
  scans: number;
}

/** Binarises a probability map at `threshold` (strictly above counts as lesion). */
export function threshold(p: Float32Array, t: number): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let o = 0; o < p.length; o++) out[o] = (p[o] as number) > t ? 1 : 0;
  return out;
}

/**
 * Scores `scans` with the model (the training instance; inference shares its parameters).
 * @throws RangeError for a scan whose label is none of the model's classes.
 */
export async function validate(
  model: Predictor,
  scans: AsyncIterable<PreparedScan>,
  lesionThreshold: number,
): Promise<ValidationMetrics> {
  const classes = model.tasks.classes ?? [];
  const labels: number[] = [];
  const probs: number[][] = [];
  const dices: number[] = [];
  let n = 0;
  for await (const scan of scans) {
    n++;
    const p = await predictPrepared(model, scan.image);
    if (classes.length && p.probabilities.length) {
      labels.push(classIndexOf(classes, scan.label, scan.id));
      probs.push(p.probabilities);
    }
    if (p.lesion && scan.lesion) {
      const truth = threshold(Float32Array.from(scan.lesion.data), 0);
      if (truth.some((v) => v > 0))
        dices.push(diceFromCounts(overlapCounts(threshold(p.lesion.data, lesionThreshold), truth)));
    }
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
  const out: ValidationMetrics = { scans: n };
  if (classes.length) {
    const pred = argmaxPredictions(probs);
    out.accuracy = mean(pred.map((k, i) => (k === labels[i] ? 1 : 0)));
    const aucs: number[] = [];
    for (let k = 0; k < classes.length; k++) {
      const pos = labels.map((l) => l === k);
      if (pos.some(Boolean) && pos.some((x) => !x))
        aucs.push(
          aucOf(
            rocCurve(
              pos,
              probs.map((p) => p[k] as number),
            ),
          ),
        );
    }
    out.auc = mean(aucs);
    out.loss = mean(probs.map((p, i) => -Math.log(Math.max(1e-12, p[labels[i] as number] as number))));
  }
  if (model.tasks.segmentation) out.dice = mean(dices);
  return out;
}
