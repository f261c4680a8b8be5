/**
 * Prediction for one CT volume of any geometry: check that the scan can be read as a CT volume,
 * prepare it as in training, run the model on its grid, check that what it says is finite,
 * and bring the lesion probability, the mask and the model's maps (DeepSC-COVID: `evidence`)
 * back onto the input's own voxel grid through the affines, with the paper's lesion findings
 * measured there.
 * @module
 */
import { lesionFindings, type ScanFindings } from '@deepsc/eval';
import { createVolume, type PreprocessOptions, type Volume, type VoxelArray } from '@deepsc/io';
import { type GridPrediction, type Predictor, predictPrepared } from './infer.js';
import { countNonFinite } from './non-finite.js';
import { checkPredictInput, NON_FINITE_REPLACEMENT_HU, type NonFiniteVoxelPolicy } from './predict-input.js';
import { PredictionError } from './prediction-error.js';
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
  /** NaN or infinite voxels: `error` (default) refuses the scan; `replace` reads them as air (-1000 HU). */
  nonFiniteVoxels?: NonFiniteVoxelPolicy;
  /** Called after each sliding window with the windows done and their total (progress). */
  onWindow?: (done: number, total: number) => void;
}

/** A prediction on the input's grid. */
export interface VolumePrediction {
  /** Class probabilities in `classes` order (empty without a classifier). */
  probabilities: number[];
  /** The model's class names (`tasks.classes`); empty without a classifier. */
  classes: readonly string[];
  /** The most probable class, or null without a classifier. */
  predictedClass: string | null;
  /** Lesion probability, float32 on the input's grid. */
  lesionProbability?: Volume<Float32Array>;
  /** Lesion mask (probability > threshold), uint8 on the input's grid. */
  lesionMask?: Volume<Uint8Array>;
  /** The model's maps by name (`tasks.maps`; DeepSC-COVID: `evidence`), float32 in (0, 1) on the input's grid. */
  maps: Record<string, Volume<Float32Array>>;
  /** Lung mask used, on the input's grid. */
  lung?: Volume<Uint8Array>;
  /** The four findings of the predicted lesions (needs the lung mask and segmentation). */
  findings?: ScanFindings;
  threshold: number;
  /** Non-finite voxels of the input read as `replacedWithHu` (count 0 and null unless the `replace` policy found some). */
  nonFiniteVoxels: { count: number; replacedWithHu: number | null };
}

/**
 * Predicts one CT volume (HU) with a model, on the device and with the window batch the model
 * was built for ({@link loadPredictor}'s options).
 * @param preprocess - the training run's preprocessing (`preprocessOptions(config, model)`).
 * @throws PredictionError for a scan with fewer voxels along an axis than the model needs, a
 *   voxel size outside [0.01, 50] mm, non-finite voxels (under the default policy), or a
 *   network output that is not finite (never a class from NaN probabilities); GridMismatchError
 *   for a lung mask off the CT's grid; RangeError for a volume without lungs; rejects with
 *   engine errors.
 */
export async function predictVolume(
  model: Predictor,
  ct: Volume<VoxelArray>,
  preprocess: PreprocessOptions,
  options: PredictVolumeOptions = {},
): Promise<VolumePrediction> {
  const t = options.threshold ?? 0.5;
  if (!(t > 0 && t < 1)) throw new RangeError(`predict: threshold must lie in (0, 1), got ${t}`);
  const checked = checkPredictInput(ct, model.spec.minimumInput(model.net.config), options.nonFiniteVoxels);
  const prepared = prepareVolume(checked.volume, preprocess, options.lung);
  const g = await predictPrepared(model, prepared.image, options.overlap ?? 0.5, options.onWindow);
  assertFiniteOutput(g);
  const grid = { dims: ct.dims, affine: ct.affine };
  const probabilities = g.probabilities;
  let best = -1;
  for (let k = 0; k < probabilities.length; k++)
    if (best < 0 || (probabilities[k] as number) > (probabilities[best] as number)) best = k;
  const classes = (model.tasks.classes ?? []).map((c) => c.name);
  const out: VolumePrediction = {
    probabilities,
    classes,
    predictedClass: best >= 0 ? (classes[best] ?? null) : null,
    maps: {},
    threshold: t,
    nonFiniteVoxels: {
      count: checked.nonFiniteVoxels,
      replacedWithHu: checked.nonFiniteVoxels > 0 ? NON_FINITE_REPLACEMENT_HU : null,
    },
    ...(prepared.lungOnInput ? { lung: prepared.lungOnInput } : {}),
  };
  if (g.lesion) {
    out.lesionProbability = resampleToReference(g.lesion, grid);
    out.lesionMask = createVolume(threshold(out.lesionProbability.data, t), ct.dims, ct.affine);
    if (prepared.lungOnInput)
      out.findings = lesionFindings({
        lesion: out.lesionMask,
        ct: checked.volume,
        lung: prepared.lungOnInput,
        affine: ct.affine,
      });
  }
  for (const [name, map] of Object.entries(g.maps)) out.maps[name] = resampleToReference(map, grid);
  return out;
}

/**
 * Refuses a network output with a NaN or an infinity: no class is ever picked from NaN
 * probabilities, no mask thresholded from NaN (which would read as "no lesion").
 */
function assertFiniteOutput(g: GridPrediction): void {
  const bad: [string, ArrayLike<number>][] = [
    ['class probabilities', g.probabilities],
    ['lesion probabilities', g.lesion?.data ?? []],
    ...Object.entries(g.maps).map(([name, m]): [string, ArrayLike<number>] => [`${name} values`, m.data]),
  ];
  const found = bad
    .map(([what, data]) => ({ what, n: countNonFinite(data), of: data.length }))
    .filter((b) => b.n > 0);
  if (found.length > 0)
    throw new PredictionError(
      `the network's output is not finite (${found.map((b) => `${b.n} of ${b.of} ${b.what}`).join(', ')} are NaN or infinite); its weights or the scan's values are out of range, so no prediction is given`,
    );
}
