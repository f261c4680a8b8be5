/**
 * Inference on a prepared scan (cropped to the lungs and resampled to the network's grid, as
 * in training) through `@deepsc/core`'s sliding-window `predict`, with the results as volumes
 * on the prepared scan's geometry, ready to be resampled onto any other grid.
 * @module
 */
import { type DeepScCovidNetwork, predict } from '@deepsc/deepsc-covid';
import { createVolume, type Volume } from '@deepsc/io';

/** What the network says about one scan, on the prepared scan's grid and geometry. */
export interface GridPrediction {
  /** Softmax class probabilities (COVID-19, CAP, non-pneumonia); empty for `segmentation-only`. */
  probabilities: number[];
  /** Lesion probability per voxel (variants with segmentation). */
  lesion?: Volume<Float32Array>;
  /** Evidence map in (0, 1) (variants with a classifier). */
  evidence?: Volume<Float32Array>;
}

/**
 * Runs `net` on a prepared image (any size; the image's i, j, k are the network's W, H, D).
 * @param overlap - of neighbouring windows, default 0.5.
 * @throws RangeError for an empty image; rejects with the engine's errors.
 */
export async function predictPrepared(
  net: DeepScCovidNetwork,
  image: Volume<Float32Array>,
  overlap = 0.5,
): Promise<GridPrediction> {
  const [ni, nj, nk] = image.dims;
  const p = await predict(net, { data: image.data, shape: [nk, nj, ni] }, { overlap });
  const vol = (data: Float32Array) => createVolume(data, image.dims, image.affine);
  return {
    probabilities: p.classProbabilities ?? [],
    ...(p.lesion ? { lesion: vol(p.lesion.data) } : {}),
    ...(p.evidence ? { evidence: vol(p.evidence.data) } : {}),
  };
}
