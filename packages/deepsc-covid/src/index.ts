/**
 * DeepSC-COVID: configuration and presets, the network on the graph builder, the task-aware
 * loss, training steps and sliding-window inference.
 * @module
 */
export {
  CLASS_NAMES,
  type DeepScCovidConfig,
  type ResolvedConfig,
  resolveConfig,
  VARIANTS,
  type Variant,
} from './config.js';
export { buildDeepScCovid, type DeepScCovidValues, OUTPUT_NAMES } from './deepsc-covid.js';
export { forwardFlopsPerScan, type ScanFlops } from './forward-flops.js';
export { buildGraphLoss, GRAPH_LOSS_INPUTS, GRAPH_LOSS_TERMS } from './graph-loss.js';
export {
  checkCompiledLossOptions,
  graphLossInputs,
  graphLossOutputs,
  readGraphLoss,
} from './graph-loss-inputs.js';
export {
  type CreateNetworkOptions,
  createDeepScCovid,
  type DeepScCovidNetwork,
  type LossPath,
  lossOutputs,
  paperOptimizer,
} from './network.js';
export { type Prediction, type PredictOptions, predict } from './predict.js';
export { PRESETS, type PresetName, presetConfig } from './presets.js';
export { type PatchRegion, regionInputNames, regionInputs, validateRegion } from './region.js';
export { type Array3, resample3d } from './resample.js';
export { type PatchGrid, segmentationShape, windowRegion } from './sliding-window.js';
export { cumulativeStrides, planStrides, type Size3, type StridePlan, validateStrides } from './strides.js';
export {
  classificationLoss,
  type LossArray,
  type LossInputs,
  resolveLossOptions,
  segmentationLoss,
  TASK_AWARE_DEFAULTS,
  type TaskAwareLossOptions,
  type TaskAwareLossResult,
  taskAwareLoss,
  taskAwareTerm,
} from './task-aware-loss.js';
export {
  networkInputs,
  type TrainingBatch,
  type TrainingStepOptions,
  trainingStep,
} from './training-step.js';
export {
  hasClassifier,
  hasCrossStitch,
  hasSegmentation,
  hasTaskAwareTerm,
  isJoint,
} from './variant.js';
