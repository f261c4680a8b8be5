/**
 * @deepsc/unet3d: a plain 3D U-Net for lesion segmentation in the style of nnU-Net's
 * 3d_fullres, as a model for the DeepSC stack. `model` is its {@link ModelSpec}: `deepsc train
 * --model unet3d`, or `resolveModel('unet3d')` from `@deepsc/train`. Built only from
 * `@deepsc/core`'s public layers, losses and inferer (docs/extending.md walks through it).
 * @packageDocumentation
 */
export {
  type LossSection,
  lossSectionSchema,
  MAX_AXIS,
  type ModelSection,
  modelSectionSchema,
  resolveUnet3dConfig,
  type Unet3dConfig,
} from './config.js';
export { unet3dForwardFlops } from './forward-flops.js';
export { buildUnet3d, CLASSES, createUnet3d, NAMES, type Unet3dInstance } from './network.js';
export { type PatchBatch, patchBatch, scanGridOf } from './patch-batch.js';
export { unet3dPredict } from './predict.js';
export { PRESETS, type PresetName, type Unet3dPreset } from './presets.js';
export { model, unet3dOptimizer } from './spec.js';
export { MIN_FEATURE_AXIS, planStrides, type Size3, stageSizes } from './strides.js';
export { unet3dTrainingStep } from './training-step.js';
export { version } from './version.js';
