/**
 * The U-Net as the stack sees it: the {@link ModelSpec} this package exports as `model`
 * (registry name `unet3d`), through which `@deepsc/train`, the CLI (`deepsc train --model
 * unet3d`), predict, evaluate and the study runner use it.
 * @module
 */
import type { ModelOptimizer, ModelSpec, OptimizerConfig, TrainingOptimizer } from '@deepsc/core';
import { resolveUnet3dConfig, type Unet3dConfig } from './config.js';
import { unet3dForwardFlops } from './forward-flops.js';
import { createUnet3d, type Unet3dInstance } from './network.js';
import { type PatchBatch, patchBatch, scanGridOf } from './patch-batch.js';
import { unet3dPredict } from './predict.js';
import { PRESETS } from './presets.js';
import { unet3dTrainingStep } from './training-step.js';
import { version } from './version.js';

/**
 * One parameter group at `lr`. SGD gets nnU-Net's momentum form: Nesterov whenever the
 * momentum is > 0 (nnU-Net: SGD lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5, with the
 * `poly` schedule of power 0.9); the momentum itself is the section's.
 */
export function unet3dOptimizer(o: TrainingOptimizer): ModelOptimizer {
  const common = {
    lr: o.lr,
    weightDecay: o.weightDecay,
    ...(o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {}),
  };
  const momentum = o.momentum ?? 0;
  const config: OptimizerConfig =
    o.kind === 'sgd'
      ? { kind: 'sgd', ...common, momentum, ...(momentum > 0 ? { nesterov: true } : {}) }
      : { kind: o.kind, ...common, ...(o.betas !== undefined ? { betas: o.betas } : {}) };
  return { config, baseLearningRates: [o.lr], groupNames: ['lr'] };
}

/** The U-Net's model spec. */
export const model: ModelSpec<Unet3dConfig, Unet3dInstance, PatchBatch> = {
  name: 'unet3d',
  version,
  description:
    'A plain 3D U-Net for lesion segmentation, nnU-Net 3d_fullres style (instance norm, leaky ReLU, strided-conv encoder, transposed-conv decoder, deep supervision, Dice + CE)',
  presets: Object.keys(PRESETS),
  resolveConfig: resolveUnet3dConfig,
  tasks: () => ({ segmentation: true }),
  scanGrid: scanGridOf,
  // the inferer pads an image smaller than the window
  minimumInput: () => [1, 1, 1],
  optimizer: (_config, o) => unet3dOptimizer(o),
  create: (config, options) => createUnet3d(config, options),
  makeBatch: (net, scan, _sampling, random) => patchBatch(net.config, scan, random),
  trainingStep: unet3dTrainingStep,
  predict: unet3dPredict,
  forwardFlopsPerScan: (config) => unet3dForwardFlops(config).perScan,
};
