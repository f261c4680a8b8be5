/**
 * One training batch from a prepared scan: a patch of `patchSize` and its lesion target, the
 * patch forced to hold lesion with probability `foregroundProbability` (nnU-Net's
 * oversampling: a lesion voxel is drawn and the patch placed around it), else placed uniformly.
 * io's `PatchSampler` chooses the box.
 * @module
 */
import { checkScanGrid, type ModelBatch, type ModelScan, type RandomSource, Tensor } from '@deepsc/core';
import { createVolume, cropMask, cropOrPad, maskVolume, PatchSampler, rngFromSource } from '@deepsc/io';
import type { Unet3dConfig } from './config.js';

/** The tensors of a batch: `image` and `target`, each `[1, 1, ...patchSize]`. */
export interface PatchBatch {
  readonly image: Tensor;
  readonly target: Tensor;
}

/** The grid `[i, j, k]` scans are prepared to: `scanSize` `[D, H, W]` reversed. */
export const scanGridOf = (c: Pick<Unet3dConfig, 'scanSize'>): [number, number, number] => [
  c.scanSize[2],
  c.scanSize[1],
  c.scanSize[0],
];

/**
 * The batch of `scan` (on the grid {@link scanGridOf}), every draw from `random`.
 * @throws RangeError naming the scan when its image or mask is off the grid, or it has no
 *   lesion mask (the U-Net learns from masks only: give scans without lesion an empty mask).
 */
export function patchBatch(c: Unet3dConfig, scan: ModelScan, random: RandomSource): ModelBatch<PatchBatch> {
  const grid = scanGridOf(c);
  checkScanGrid(scan, grid, ['image', 'lesion'], 'the U-Net', ' (model.scanSize reversed)');
  if (!scan.lesion)
    throw new RangeError(
      `scan ${scan.id}: no lesion mask; the U-Net trains on lesion masks only (give a scan without lesion an empty mask)`,
    );
  const [pD, pH, pW] = c.patchSize;
  const lesion = maskVolume(scan.lesion.data, scan.lesion.dims);
  const sampler = new PatchSampler(grid, lesion, {
    size: [pW, pH, pD],
    lesionProbability: c.foregroundProbability,
    // a forced patch is placed around a lesion voxel, so it always holds lesion
    minLesionFraction: 0,
  });
  const choice = sampler.sample(rngFromSource(random));
  const shape = [1, 1, pD, pH, pW] as const;
  const image = Tensor.from(
    cropOrPad(createVolume(scan.image.data, scan.image.dims), choice.box, 0).data,
    shape,
  );
  let target: Tensor;
  try {
    target = Tensor.from(cropMask(lesion, choice.box), shape);
  } catch (err) {
    image.dispose();
    throw err;
  }
  return {
    batch: { image, target },
    tensors: [image, target],
    note: `${choice.kind} (lesion ${(choice.lesionFraction * 100).toFixed(1)}%)`,
  };
}
