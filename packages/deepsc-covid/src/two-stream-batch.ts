/**
 * Two-stream sampling: one training batch from a prepared (and, when augmentation is on,
 * already augmented) scan. The classification stream takes the whole scan; the segmentation
 * stream a patch cut from the same grid, forced to hold lesion with the configured probability
 * (the paper: 60%, >= 1% of its voxels).
 * @module
 */
import { checkScanGrid, type ModelBatch, type ModelScan, type RandomSource, Tensor } from '@deepsc/core';
import { createVolume, cropMask, cropOrPad, maskVolume, PatchSampler, rngFromSource } from '@deepsc/io';
import type { CLASS_NAMES, ResolvedConfig } from './config.js';
import type { TrainingBatch } from './training-step.js';

/** The manifest label of each class, in the classifier's output order ({@link CLASS_NAMES}). */
export const CLASS_LABELS = ['covid', 'cap', 'normal'] as const satisfies readonly string[] & {
  length: (typeof CLASS_NAMES)['length'];
};

/** The sampling options of a training configuration's `data` section that this model reads. */
export interface PatchSampling {
  /** Share of patches forced to hold lesion; default 0.6 (the paper's). */
  lesionPatchProbability?: number;
  /** Least lesion fraction of a forced patch's voxels; default 0.01 (the paper's). */
  minLesionFraction?: number;
}

/** The grid (i, j, k) scans are prepared to for a network: `wholeSize` [D, H, W] reversed. */
export function scanGridOf(c: Pick<ResolvedConfig, 'wholeSize'>): [number, number, number] {
  return [c.wholeSize[2], c.wholeSize[1], c.wholeSize[0]];
}

/** Class index of a manifest label. @throws RangeError naming the scan for an unknown label. */
export function classOfLabel(label: string, scan: string): number {
  const i = (CLASS_LABELS as readonly string[]).indexOf(label);
  if (i < 0)
    throw new RangeError(
      `scan ${scan}: label ${JSON.stringify(label)} is not one of DeepSC-COVID's classes (${CLASS_LABELS.join(', ')})`,
    );
  return i;
}

const fraction = (v: unknown, field: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new RangeError(`data.${field}: got ${JSON.stringify(v)}; must be a number in [0, 1]`);
  return v;
};

/**
 * One training batch from `scan` (on the network's grid, {@link scanGridOf}), the patch drawn
 * from `random`. For a run to draw as `@deepsc/train` did before models were packages, `random`
 * is the step's `Rng` forked `'patch'` (augmentation forks `'augment'`).
 * @throws RangeError naming the scan when its grid or a mask's differs from the network's or its
 *   label is unknown, or naming the field for a sampling option outside [0, 1].
 */
export function twoStreamBatch(
  c: ResolvedConfig,
  scan: ModelScan,
  sampling: Readonly<Record<string, unknown>>,
  random: RandomSource,
): ModelBatch<TrainingBatch> & { readonly note: string } {
  const lesionProbability = fraction(sampling.lesionPatchProbability, 'lesionPatchProbability', 0.6);
  const minLesionFraction = fraction(sampling.minLesionFraction, 'minLesionFraction', 0.01);
  const grid = scanGridOf(c);
  checkScanGrid(scan, grid, ['image', 'lesion', 'lung'], 'the network');
  const labels = [classOfLabel(scan.label, scan.id)];
  const [D, H, W] = c.wholeSize;
  const [pD, pH, pW] = c.patchSize;
  const tensors: Tensor[] = [];
  const own = (t: Tensor) => {
    tensors.push(t);
    return t;
  };
  const batch: TrainingBatch = { labels };
  let note = 'none';
  try {
    if (c.variant !== 'segmentation-only')
      batch.whole = own(Tensor.from(Float32Array.from(scan.image.data), [1, 1, D, H, W]));
    if (c.variant !== 'classification-only') {
      const image = createVolume(scan.image.data, scan.image.dims);
      const lesion = scan.lesion ? maskVolume(scan.lesion.data, scan.lesion.dims) : undefined;
      const lung = scan.lung ? maskVolume(scan.lung.data, scan.lung.dims) : undefined;
      const sampler = new PatchSampler(grid, lesion, {
        size: [pW, pH, pD],
        lesionProbability,
        minLesionFraction,
      });
      const choice = sampler.sample(rngFromSource(random));
      note = choice.kind;
      const box = choice.box;
      const shape = [1, 1, pD, pH, pW];
      batch.patch = own(Tensor.from(Float32Array.from(cropOrPad(image, box, 0).data), shape));
      batch.lesionMask = own(
        Tensor.from(lesion ? cropMask(lesion, box) : new Float32Array(pD * pH * pW), shape),
      );
      if (lung) batch.lungMask = own(Tensor.from(cropMask(lung, box), shape));
      batch.hasMask = [scan.lesion ? 1 : 0];
      const [i0, j0, k0] = box.start;
      batch.region = { lo: [k0, j0, i0], hi: [k0 + pD, j0 + pH, i0 + pW] };
    }
  } catch (err) {
    for (const t of tensors) t.dispose();
    throw err;
  }
  return { batch, tensors, note };
}
