/**
 * Training augmentation, the stack's part of making a batch: the scan (image, lesion and lung
 * masks alike) flipped, rotated, scaled, noised and gamma-adjusted as `data.augment` says, every
 * choice drawn from the step's random stream forked as `augment`, before the model's
 * `makeBatch` samples its batch (from the same stream forked as `patch`). Every model trains on
 * the same augmentation; with `mode: 'off'` the scan is passed as it is and no draw is made.
 * @module
 */
import type { ModelScan } from '@deepsc/core';
import { augment, type PreparedScan, type Rng, type Volume, type VoxelArray } from '@deepsc/io';
import type { TrainConfig } from './config/schema.js';

/**
 * The scan as the step trains on it.
 * @param rng - the step's random stream (only its `augment` fork is drawn from).
 */
export function augmentScan(scan: PreparedScan, a: TrainConfig['data']['augment'], rng: Rng): ModelScan {
  if (a.mode !== 'on') return scan;
  const masks = [scan.lesion, scan.lung].filter((m): m is Volume<Uint8Array> => m !== undefined);
  const r = augment(scan.image, masks, rng.fork('augment'), {
    flipAxes: [0],
    flipProbability: a.flipProbability,
    affineProbability: a.affineProbability,
    rotateDeg: [0, 0, a.rotateDeg],
    scale: a.scale,
    noiseProbability: a.noiseProbability,
    noiseSd: a.noiseSd,
    gammaProbability: a.gammaProbability,
    gamma: a.gamma,
    padValue: 0,
  });
  let m = 0;
  const lesion: Volume<VoxelArray> | undefined = scan.lesion ? r.masks[m++] : undefined;
  const lung: Volume<VoxelArray> | undefined = scan.lung ? r.masks[m++] : undefined;
  return {
    id: scan.id,
    label: scan.label,
    image: r.image,
    ...(lesion ? { lesion } : {}),
    ...(lung ? { lung } : {}),
  };
}
