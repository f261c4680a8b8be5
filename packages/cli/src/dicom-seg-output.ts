/**
 * `deepsc predict --dicom-seg <file>`: the lesion mask as a DICOM Segmentation referencing the
 * input series. The path is checked before the prediction runs; the file is written atomically.
 * @module
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type DicomVolume, writeDicomSeg } from '@deepsc/io';
import type { VolumePrediction } from '@deepsc/train';
import { CliError } from './errors.js';
import { asOutputError } from './output-error.js';

/**
 * Refuses (exit 2) a SEG path that is a folder, whose folder does not exist, or that exists
 * already (unless `overwrite`, as for `--out`), before anything runs.
 */
export async function checkDicomSegPath(path: string, options: { overwrite: boolean }): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new CliError(`--dicom-seg ${path}: is a folder; give the file to write`);
  if (info && !options.overwrite)
    throw new CliError(`--dicom-seg ${path}: exists already; pass --overwrite to replace it`);
  const folder = dirname(resolve(path));
  const parent = await stat(folder).catch(() => undefined);
  if (!parent?.isDirectory()) throw new CliError(`--dicom-seg ${path}: the folder ${folder} does not exist`);
}

/** One line for the SEG's ContentDescription: the class, its probability and the lesion count. */
function summary(p: VolumePrediction): string {
  const k = p.predictedClass ? p.classes.indexOf(p.predictedClass) : -1;
  const cls = k >= 0 ? `${p.predictedClass} ${(p.probabilities[k] as number).toFixed(2)}` : 'lesion mask';
  return p.findings ? `${cls}; ${p.findings.lesionCount} lesion(s)` : cls;
}

/**
 * Writes the prediction's lesion mask as a DICOM SEG referencing `source` (the DICOM series it
 * was computed from).
 * @throws CliError exit 2 when the model gives no mask, exit 4 when the system refuses the write.
 */
export async function writePredictionSeg(
  path: string,
  p: VolumePrediction,
  source: DicomVolume,
): Promise<void> {
  if (!p.lesionMask)
    throw new CliError('--dicom-seg: this model has no segmentation head, so no lesion mask');
  try {
    await writeDicomSeg(path, p.lesionMask, source, { contentDescription: summary(p) });
  } catch (err) {
    throw asOutputError(path, err);
  }
}
