/**
 * Inference on a prepared scan (cropped to the lungs and resampled to the model's grid, as in
 * training) through the model's `predict` (memory-bounded sliding windows), with the results as
 * volumes on the prepared scan's geometry, ready to be resampled onto any other grid.
 * @module
 */
import type { AnyModelSpec, ModelInstance, ModelTasks } from '@deepsc/core';
import { createVolume, type Volume } from '@deepsc/io';

/** A built model ready to predict: its spec, its instance and what it predicts. */
export interface Predictor {
  readonly spec: AnyModelSpec;
  readonly net: ModelInstance;
  readonly tasks: ModelTasks;
}

/** Builds the {@link Predictor} of a model instance. */
export function predictorOf(spec: AnyModelSpec, net: ModelInstance): Predictor {
  return { spec, net, tasks: spec.tasks(net.config) };
}

/** What the model says about one scan, on the prepared scan's grid and geometry. */
export interface GridPrediction {
  /** Class probabilities in `tasks.classes` order; empty without a classifier. */
  probabilities: number[];
  /** Lesion probability per voxel (models with segmentation). */
  lesion?: Volume<Float32Array>;
  /** The model's extra maps by name (`tasks.maps`; DeepSC-COVID: `evidence`), each in (0, 1). */
  maps: Record<string, Volume<Float32Array>>;
}

/**
 * Runs the model on a prepared image (any size of at least the model's `minimumInput`).
 * @param overlap - of neighbouring windows, default 0.5.
 * @param onWindow - called after each window (windows done, their total), for progress.
 * @throws RangeError for an image the model cannot take; rejects with the engine's errors.
 */
export async function predictPrepared(
  model: Predictor,
  image: Volume<Float32Array>,
  overlap = 0.5,
  onWindow?: (done: number, total: number) => void,
): Promise<GridPrediction> {
  const p = await model.spec.predict(
    model.net,
    { dims: image.dims, data: image.data },
    { overlap, ...(onWindow ? { onWindow } : {}) },
  );
  const vol = (data: Float32Array) => createVolume(data, image.dims, image.affine);
  const maps: Record<string, Volume<Float32Array>> = {};
  for (const [name, data] of Object.entries(p.maps ?? {})) maps[name] = vol(data);
  return {
    probabilities: [...p.probabilities],
    ...(p.lesion ? { lesion: vol(p.lesion) } : {}),
    maps,
  };
}
