/**
 * Held-out evaluation of a trained model on manifest scans, in each scan's own geometry, for
 * the tasks the model has: classification probabilities, lesion masks resampled onto the
 * scan's grid and scored against its ground truth, and the run-folder files the `@deepsc/eval`
 * report reads (`predictions.json` with a classifier, `scans/<id>/{ct,truth,lung,prediction}.nii.gz`
 * and one `<map>.nii.gz` per map of the model, e.g. DeepSC-COVID's `evidence.nii.gz`).
 * @module
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diceFromCounts, overlapCounts } from '@deepsc/eval';
import {
  type ManifestEntry,
  makeDirectory,
  type PreprocessOptions,
  readNifti,
  writeFileAtomic,
  writeNifti,
} from '@deepsc/io';
import type { Predictor } from './infer.js';
import { classIndexOf } from './labels.js';
import { predictVolume } from './predict-volume.js';
import { threshold as binarise } from './validate.js';

/** Result of one scan. */
export interface ScanEvaluation {
  id: string;
  /** Class index of the scan's label (-1 without a classifier). */
  label: number;
  probabilities: number[];
  predicted: number;
  /** Dice of the predicted lesion mask against the truth on the scan's grid (NaN without segmentation or truth). */
  dice: number;
  /** Whether the ground truth holds lesion. */
  hasLesion: boolean;
}

/** What {@link evaluateSplit} measured. */
export interface SplitEvaluation {
  scans: ScanEvaluation[];
  /** Share of scans classified correctly (NaN without a classifier). */
  accuracy: number;
  /** Mean Dice over the scans whose truth holds lesion (NaN when none). */
  lesionDice: number;
  /** Mean Dice over every scan (a scan with empty truth and empty prediction scores 1). */
  meanDiceAllScans: number;
}

/** Options of {@link evaluateSplit}. */
export interface EvaluateSplitOptions {
  /** Lesion threshold; default 0.5. */
  threshold?: number;
  /**
   * Write `scans/<id>/` volumes for at most this many scans; default all of them, because the
   * report computes its segmentation metrics from these folders (it draws slice views for the
   * first 12 only). A smaller cap makes the report's segmentation figures cover that subset.
   */
  maxScanFolders?: number;
  /** Called after each scan. */
  onScan?: (done: number, total: number) => void;
}

/**
 * Predicts every entry with the model and writes `predictions.json` and `scans/` into `runDir`.
 * @throws FormatError for unreadable scans (naming the file); RangeError for a scan whose label
 *   is none of the model's classes.
 */
export async function evaluateSplit(
  model: Predictor,
  entries: readonly ManifestEntry[],
  preprocess: PreprocessOptions,
  runDir: string,
  options: EvaluateSplitOptions = {},
): Promise<SplitEvaluation> {
  const t = options.threshold ?? 0.5;
  const maxFolders = options.maxScanFolders ?? Number.POSITIVE_INFINITY;
  const scans: ScanEvaluation[] = [];
  const classes = model.tasks.classes ?? [];
  for (const [n, e] of entries.entries()) {
    const ct = await readNifti(e.image);
    const lung = e.lung ? await readNifti(e.lung) : undefined;
    const p = await predictVolume(model, ct, preprocess, { threshold: t, ...(lung ? { lung } : {}) });
    let dice = Number.NaN;
    let hasLesion = false;
    if (e.lesion && p.lesionMask) {
      const truth = await readNifti(e.lesion);
      const tm = binarise(Float32Array.from(truth.data), 0);
      hasLesion = tm.some((v) => v > 0);
      dice = diceFromCounts(overlapCounts(p.lesionMask.data, tm));
    }
    let predicted = -1;
    for (let k = 0; k < p.probabilities.length; k++)
      if (predicted < 0 || (p.probabilities[k] as number) > (p.probabilities[predicted] as number))
        predicted = k;
    scans.push({
      id: e.id,
      label: classes.length ? classIndexOf(classes, e.label, e.id) : -1,
      probabilities: p.probabilities,
      predicted,
      dice,
      hasLesion,
    });
    if (n < maxFolders) {
      const dir = join(runDir, 'scans', e.id);
      await makeDirectory(dir);
      await copyFile(e.image, join(dir, e.image.endsWith('.gz') ? 'ct.nii.gz' : 'ct.nii'));
      if (e.lesion)
        await copyFile(e.lesion, join(dir, e.lesion.endsWith('.gz') ? 'truth.nii.gz' : 'truth.nii'));
      if (p.lung) await writeNifti(join(dir, 'lung.nii.gz'), p.lung);
      if (p.lesionMask) await writeNifti(join(dir, 'prediction.nii.gz'), p.lesionMask);
      for (const [name, map] of Object.entries(p.maps)) await writeNifti(join(dir, `${name}.nii.gz`), map);
    }
    options.onScan?.(n + 1, entries.length);
  }
  const hasCls = classes.length > 0 && scans.some((s) => s.probabilities.length > 0);
  if (hasCls)
    await writeFileAtomic(
      join(runDir, 'predictions.json'),
      `${JSON.stringify({ classes: classes.map((c) => c.name), scans: scans.map((s) => ({ id: s.id, label: s.label, probabilities: s.probabilities })) }, null, 1)}\n`,
    );
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
  return {
    scans,
    accuracy: hasCls ? mean(scans.map((s) => (s.predicted === s.label ? 1 : 0))) : Number.NaN,
    lesionDice: mean(scans.filter((s) => s.hasLesion && Number.isFinite(s.dice)).map((s) => s.dice)),
    meanDiceAllScans: mean(scans.filter((s) => Number.isFinite(s.dice)).map((s) => s.dice)),
  };
}
