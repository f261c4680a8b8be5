/**
 * Two-stream sampling: one training example from a preprocessed scan. The classification stream
 * takes the whole scan; the segmentation stream a patch cut from the same (augmented) grid, forced
 * to hold lesion with the configured probability (the paper: 60%, >= 1% of its voxels).
 * @module
 */
import { Tensor } from '@deepsc/core';
import type { ResolvedConfig, TrainingBatch } from '@deepsc/deepsc-covid';
import {
  augment,
  cropOrPad,
  PatchSampler,
  type PreparedScan,
  type Rng,
  type Volume,
  type VoxelArray,
} from '@deepsc/io';
import type { TrainConfig } from './config/schema.js';
import { classIndex } from './labels.js';

/** A training example: the batch `trainingStep` takes, and how its patch was chosen. */
export interface Sample {
  readonly batch: TrainingBatch;
  /** `lesion`, `lesion-unmet` or `random` (see `@deepsc/io` `PatchSampler`). */
  readonly patchKind: string;
  /** Tensors owned by the sample: dispose with {@link disposeSample}. */
  readonly tensors: readonly Tensor[];
}

/** The grid (i, j, k) a scan is preprocessed to for a network: `wholeSize` [D, H, W] reversed. */
export function scanGrid(c: Pick<ResolvedConfig, 'wholeSize'>): [number, number, number] {
  return [c.wholeSize[2], c.wholeSize[1], c.wholeSize[0]];
}

const binary = (v: VoxelArray): Float32Array => {
  const out = new Float32Array(v.length);
  for (let o = 0; o < v.length; o++) out[o] = (v[o] as number) > 0 ? 1 : 0;
  return out;
};

/**
 * Builds one training example from `scan` with the random stream `rng` (augmentation, then the
 * patch). The scan must be on the network's grid ({@link scanGrid}).
 * @throws RangeError when the scan's grid differs from the network's, naming the scan.
 */
export function makeSample(
  scan: PreparedScan,
  net: ResolvedConfig,
  data: Pick<TrainConfig['data'], 'augment' | 'lesionPatchProbability' | 'minLesionFraction'>,
  rng: Rng,
): Sample {
  const grid = scanGrid(net);
  if (scan.image.dims.some((d, a) => d !== grid[a]))
    throw new RangeError(
      `scan ${scan.id}: preprocessed to [${scan.image.dims.join(', ')}] (i, j, k), the network needs [${grid.join(', ')}]`,
    );
  let image: Volume<VoxelArray> = scan.image;
  let lesion: Volume<VoxelArray> | undefined = scan.lesion;
  let lung: Volume<VoxelArray> | undefined = scan.lung;
  const a = data.augment;
  if (a.mode === 'on') {
    const masks = [lesion, lung].filter((m): m is Volume<VoxelArray> => m !== undefined);
    const r = augment(image, masks, rng.fork('augment'), {
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
    image = r.image;
    let m = 0;
    if (lesion) lesion = r.masks[m++];
    if (lung) lung = r.masks[m++];
  }
  const [D, H, W] = net.wholeSize;
  const [pD, pH, pW] = net.patchSize;
  const tensors: Tensor[] = [];
  const own = (t: Tensor) => {
    tensors.push(t);
    return t;
  };
  const batch: TrainingBatch = { labels: [classIndex(scan.label)] };
  if (net.variant !== 'segmentation-only')
    batch.whole = own(Tensor.from(Float32Array.from(image.data), [1, 1, D, H, W]));
  let patchKind = 'none';
  if (net.variant !== 'classification-only') {
    const sampler = new PatchSampler(grid, lesion, {
      size: [pW, pH, pD],
      lesionProbability: data.lesionPatchProbability,
      minLesionFraction: data.minLesionFraction,
    });
    const choice = sampler.sample(rng.fork('patch'));
    patchKind = choice.kind;
    const box = choice.box;
    const shape = [1, 1, pD, pH, pW];
    batch.patch = own(Tensor.from(Float32Array.from(cropOrPad(image, box, 0).data), shape));
    batch.lesionMask = own(
      Tensor.from(lesion ? binary(cropOrPad(lesion, box, 0).data) : new Float32Array(pD * pH * pW), shape),
    );
    if (lung) batch.lungMask = own(Tensor.from(binary(cropOrPad(lung, box, 0).data), shape));
    batch.hasMask = [scan.lesion ? 1 : 0];
    const [i0, j0, k0] = box.start;
    batch.region = { lo: [k0, j0, i0], hi: [k0 + pD, j0 + pH, i0 + pW] };
  }
  return { batch, patchKind, tensors };
}

/** Frees a sample's tensors. */
export function disposeSample(s: Sample): void {
  for (const t of s.tensors) t.dispose();
}
