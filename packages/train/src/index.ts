/// <reference types="node" preserve="true" />
// The published .d.ts name Node.js types (file handles, streams, errors): this directive and the
// @types/node dependency make them resolve for consumers whose tsconfig lists no `types` (TS 7).
/**
 * @deepsc/train: the trainer of any model (a `ModelSpec` of `@deepsc/core`, found by name through
 * the model registry: DeepSC-COVID, the 3D U-Net, a user's own) as a loop plus handlers,
 * learning-rate schedules, checkpoints with an exact resume, the training log and progress
 * display, configuration files with presets, and inference on the model's grid.
 *
 * @example
 * const config = await loadTrainConfig('train.json', { overrides: ['training.epochs=5'] });
 * const result = await train(config, { signal: abortController.signal });
 * console.log(result.status, result.lastCheckpoint);
 * @packageDocumentation
 */
export * from './augment-scan.js';
export * from './checkpoint.js';
export * from './checkpoint-model.js';
export * from './checkpoint-recovery.js';
export * from './config/config-error.js';
export * from './config/load-config.js';
export * from './config/presets.js';
export * from './config/schema.js';
export * from './config/training-model.js';
export * from './demo.js';
export * from './distributed.js';
export * from './distributed-sampler.js';
export * from './diverged-error.js';
export * from './evaluate-split.js';
export * from './finite-weights.js';
export * from './handlers/best-checkpoint.js';
export * from './handlers/checkpointing.js';
export * from './handlers/learning-rate.js';
export * from './handlers/progress-report.js';
export * from './handlers/train-metrics.js';
export * from './handlers/validation.js';
export * from './infer.js';
export * from './labels.js';
export * from './metrics-log.js';
export * from './model-registry.js';
export * from './plugins.js';
export * from './predict-input.js';
export * from './predict-volume.js';
export * from './predictor-options.js';
export * from './prediction-error.js';
export * from './prepare-volume.js';
export * from './progress.js';
export * from './resample-to-reference.js';
export * from './resume-check.js';
export * from './run-folder.js';
export * from './run-info.js';
export * from './run-lock.js';
export * from './run-write-error.js';
export * from './schedule.js';
export * from './study/run-study.js';
export * from './study/study-efficiency.js';
export * from './study/study-pin.js';
export * from './study/study-record-file.js';
export * from './study/study-spec.js';
export * from './trainer.js';
export * from './training-device.js';
export * from './training-precision.js';
export * from './validate.js';
export * from './write-prediction.js';

/** Version of this package. */
export const version = '0.1.0';
