/// <reference types="node" preserve="true" />
// The published .d.ts name Node.js types (file handles, streams, errors): this directive and the
// @types/node dependency make them resolve for consumers whose tsconfig lists no `types` (TS 7).
/**
 * @deepsc/train: the trainer of DeepSC-COVID and its ablation variants, learning-rate schedules,
 * checkpoints with an exact resume, the training log and progress display, configuration files
 * with presets, and inference on the network's grid.
 *
 * @example
 * const config = await loadTrainConfig('train.json', { overrides: ['training.epochs=5'] });
 * const result = await train(config, { signal: abortController.signal });
 * console.log(result.status, result.lastCheckpoint);
 * @packageDocumentation
 */
export * from './checkpoint.js';
export * from './checkpoint-recovery.js';
export * from './config/config-error.js';
export * from './config/load-config.js';
export * from './config/presets.js';
export * from './config/schema.js';
export * from './demo.js';
export * from './distributed.js';
export * from './distributed-sampler.js';
export * from './diverged-error.js';
export * from './evaluate-split.js';
export * from './finite-weights.js';
export * from './infer.js';
export * from './labels.js';
export * from './metrics-log.js';
export * from './model-registry.js';
export * from './network-config.js';
export * from './plugins.js';
export * from './predict-input.js';
export * from './predict-volume.js';
export * from './prediction-error.js';
export * from './prepare-volume.js';
export * from './progress.js';
export * from './resample-to-reference.js';
export * from './run-folder.js';
export * from './run-lock.js';
export * from './run-write-error.js';
export * from './sample.js';
export * from './schedule.js';
export * from './study/run-study.js';
export * from './study/study-efficiency.js';
export * from './study/study-pin.js';
export * from './study/study-record-file.js';
export * from './study/study-spec.js';
export * from './trainer.js';
export * from './training-device.js';
export * from './validate.js';
export * from './write-prediction.js';

/** Version of this package. */
export const version = '0.1.0';
