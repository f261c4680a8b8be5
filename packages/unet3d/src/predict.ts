/**
 * Inference on an image of any size with core's sliding-window inferer: windows of `patchSize`
 * (an image smaller than a window is padded), Gaussian blending of the logits, then softmax:
 * nnU-Net's order. An inference network runs its windows `windowBatch` at a time (as compiled);
 * a network built for training predicts through an inference graph that shares its parameters,
 * one window at a time, made for the call and freed after it.
 * @module
 */
import {
  type GridVolume,
  type ModelPrediction,
  type ModelPredictOptions,
  modelWindowForward,
  slidingWindowInference,
} from '@deepsc/core';
import { createUnet3d, NAMES, type Unet3dInstance } from './network.js';

/**
 * The lesion probability of every voxel of `image` (dims `[i, j, k]`, i fastest: the network's
 * `[D, H, W]` = `[k, j, i]`), in the image's layout.
 * @throws (rejects) RangeError for an image whose data does not fill its dims or a bad overlap.
 */
export async function unet3dPredict(
  net: Unet3dInstance,
  image: GridVolume<Float32Array>,
  options: ModelPredictOptions = {},
): Promise<ModelPrediction> {
  const [ni, nj, nk] = image.dims;
  const infer =
    net.mode === 'infer'
      ? net
      : createUnet3d(net.config, { seed: 0, mode: 'infer', device: net.model.device }, net.model);
  try {
    const out = await slidingWindowInference(
      modelWindowForward(infer.model, { input: NAMES.image, outputs: [NAMES.logits] }),
      { data: image.data, shape: [1, nk, nj, ni] },
      {
        window: net.config.patchSize,
        // as many windows per call as the inference graph was compiled for (create's windowBatch)
        windowBatch: (infer.model.inputs[NAMES.image] as readonly number[])[0] as number,
        ...(options.overlap !== undefined ? { overlap: options.overlap } : {}),
        ...(options.onWindow ? { onWindow: options.onWindow } : {}),
      },
    );
    const z = (out[NAMES.logits] as { data: Float32Array }).data;
    const v = ni * nj * nk;
    const lesion = new Float32Array(v);
    // softmax over (background, lesion) = sigmoid(z1 - z0)
    for (let o = 0; o < v; o++) lesion[o] = 1 / (1 + Math.exp((z[o] as number) - (z[v + o] as number)));
    return { probabilities: [], lesion };
  } finally {
    if (infer !== net) infer.model.dispose();
  }
}
