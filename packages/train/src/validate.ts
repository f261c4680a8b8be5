/**
 * Validation during training: every scan of the validation split through `predictPrepared`,
 * scored on the network's grid (fast; the final evaluation in the scans' own geometry is
 * `evaluate-split.ts`). Metrics: accuracy and macro one-vs-rest AUC (`@deepsc/eval`), the mean
 * cross-entropy of the true class (`loss`), and the mean Dice of the thresholded lesion
 * probability over the scans whose ground truth holds lesion (`dice`).
 * @module
 */
import type { DeepScCovidNetwork } from '@deepsc/deepsc-covid';
import { argmaxPredictions, aucOf, diceFromCounts, overlapCounts, rocCurve } from '@deepsc/eval';
import type { PreparedScan } from '@deepsc/io';
import { predictPrepared } from './infer.js';
import { classIndex } from './labels.js';

/** Validation metrics (NaN where undefined: no labelled scans, or no scan with lesion). */
export interface ValidationMetrics {
  accuracy: number;
  auc: number;
  loss: number;
  dice: number;
  scans: number;
}

/** Binarises a probability map at `threshold` (strictly above counts as lesion). */
export function threshold(p: Float32Array, t: number): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let o = 0; o < p.length; o++) out[o] = (p[o] as number) > t ? 1 : 0;
  return out;
}

/** Scores `scans` with `net` (the training network; inference shares its parameters). */
export async function validate(
  net: DeepScCovidNetwork,
  scans: AsyncIterable<PreparedScan>,
  lesionThreshold: number,
): Promise<ValidationMetrics> {
  const labels: number[] = [];
  const probs: number[][] = [];
  const dices: number[] = [];
  for await (const scan of scans) {
    const p = await predictPrepared(net, scan.image);
    if (p.probabilities.length) {
      labels.push(classIndex(scan.label));
      probs.push(p.probabilities);
    }
    if (p.lesion && scan.lesion) {
      const truth = threshold(Float32Array.from(scan.lesion.data), 0);
      if (truth.some((v) => v > 0))
        dices.push(diceFromCounts(overlapCounts(threshold(p.lesion.data, lesionThreshold), truth)));
    }
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
  const pred = argmaxPredictions(probs);
  const accuracy = mean(pred.map((k, i) => (k === labels[i] ? 1 : 0)));
  const loss = mean(probs.map((p, i) => -Math.log(Math.max(1e-12, p[labels[i] as number] as number))));
  const aucs: number[] = [];
  for (let k = 0; k < (probs[0]?.length ?? 0); k++) {
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
  return { accuracy, auc: mean(aucs), loss, dice: mean(dices), scans: Math.max(labels.length, dices.length) };
}
