/**
 * Prediction for one CT volume of any geometry: prepare as in training, run the network on its
 * grid, and bring the lesion probability, the mask and the evidence map back onto the input's
 * own voxel grid through the affines, with the paper's lesion findings measured there.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLASS_NAMES, type DeepScCovidNetwork } from '@deepsc/core';
import { lesionFindings, type ScanFindings } from '@deepsc/eval';
import {
  createVolume,
  type PreprocessOptions,
  type Volume,
  type VoxelArray,
  writeFileAtomic,
  writeNifti,
} from '@deepsc/io';
import { predictPrepared } from './infer.js';
import { prepareVolume } from './prepare-volume.js';
import { resampleToReference } from './resample-to-reference.js';
import { threshold } from './validate.js';

/** Options of {@link predictVolume}. */
export interface PredictVolumeOptions {
  /** Lung mask on the CT's grid; default computed (classical method). */
  lung?: Volume<VoxelArray>;
  /** Lesion probability threshold; default 0.5 (the paper). */
  threshold?: number;
  /** Window overlap of the sliding windows, default 0.5. */
  overlap?: number;
}

/** A prediction on the input's grid. */
export interface VolumePrediction {
  /** Class probabilities in `classes` order (empty for `segmentation-only`). */
  probabilities: number[];
  classes: readonly string[];
  /** The most probable class, or null without a classifier. */
  predictedClass: string | null;
  /** Lesion probability, float32 on the input's grid. */
  lesionProbability?: Volume<Float32Array>;
  /** Lesion mask (probability > threshold), uint8 on the input's grid. */
  lesionMask?: Volume<Uint8Array>;
  /** Evidence map in (0, 1), float32 on the input's grid. */
  evidence?: Volume<Float32Array>;
  /** Lung mask used, on the input's grid. */
  lung?: Volume<Uint8Array>;
  /** The four findings of the predicted lesions (needs the lung mask and segmentation). */
  findings?: ScanFindings;
  threshold: number;
}

/**
 * Predicts one CT volume (HU) with `net`.
 * @param preprocess - the training run's preprocessing (`preprocessOptions(config)`).
 * @throws RangeError for a volume without lungs or a bad lung mask; rejects with engine errors.
 */
export async function predictVolume(
  net: DeepScCovidNetwork,
  ct: Volume<VoxelArray>,
  preprocess: PreprocessOptions,
  options: PredictVolumeOptions = {},
): Promise<VolumePrediction> {
  const t = options.threshold ?? 0.5;
  if (!(t > 0 && t < 1)) throw new RangeError(`predict: threshold must lie in (0, 1), got ${t}`);
  const prepared = prepareVolume(ct, preprocess, options.lung);
  const g = await predictPrepared(net, prepared.image, options.overlap ?? 0.5);
  const grid = { dims: ct.dims, affine: ct.affine };
  const probabilities = g.probabilities;
  let best = -1;
  for (let k = 0; k < probabilities.length; k++)
    if (best < 0 || (probabilities[k] as number) > (probabilities[best] as number)) best = k;
  const out: VolumePrediction = {
    probabilities,
    classes: CLASS_NAMES,
    predictedClass: best >= 0 ? (CLASS_NAMES[best] ?? null) : null,
    threshold: t,
    ...(prepared.lungOnInput ? { lung: prepared.lungOnInput } : {}),
  };
  if (g.lesion) {
    out.lesionProbability = resampleToReference(g.lesion, grid);
    out.lesionMask = createVolume(threshold(out.lesionProbability.data, t), ct.dims, ct.affine);
    if (prepared.lungOnInput)
      out.findings = lesionFindings({
        lesion: out.lesionMask,
        ct,
        lung: prepared.lungOnInput,
        affine: ct.affine,
      });
  }
  if (g.evidence) out.evidence = resampleToReference(g.evidence, grid);
  return out;
}

const finiteJson = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 1);

/**
 * Writes a prediction into `dir`: `lesion_probability.nii.gz`, `lesion_mask.nii.gz`,
 * `evidence.nii.gz` (each on the input's grid, with its affine) and `prediction.json`
 * (`input`, `model`, `classes`, `probabilities`, `predictedClass`, `threshold`, `findings`,
 * `files`; non-finite numbers as null).
 * @returns the path of `prediction.json`.
 */
export async function writePrediction(
  dir: string,
  p: VolumePrediction,
  meta: { input: string; model: string },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  const put = async (name: string, v: Volume | undefined) => {
    if (!v) return;
    await writeNifti(join(dir, name), v);
    files[name.replace(/\.nii\.gz$/, '')] = name;
  };
  await put('lesion_probability.nii.gz', p.lesionProbability);
  await put('lesion_mask.nii.gz', p.lesionMask);
  await put('evidence.nii.gz', p.evidence);
  const json = join(dir, 'prediction.json');
  await writeFileAtomic(
    json,
    `${finiteJson({
      input: meta.input,
      model: meta.model,
      classes: p.classes,
      probabilities: p.probabilities,
      predictedClass: p.predictedClass,
      threshold: p.threshold,
      findings: p.findings ?? null,
      files,
    })}\n`,
  );
  return json;
}
