/**
 * @deepsc/deepsc-covid: DeepSC-COVID's configuration and presets, the network on core's graph
 * builder, the task-aware loss, training steps, two-stream sampling and sliding-window
 * inference, and `model`, the `ModelSpec` through which the stack trains and runs it.
 * @packageDocumentation
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
  graphLossInputs,
  graphLossOutputs,
  readGraphLoss,
  type TaskAwareLossResult,
} from './graph-loss-inputs.js';
export { resolveLossOptions, TASK_AWARE_DEFAULTS, type TaskAwareLossOptions } from './loss-options.js';
export {
  type CreateNetworkOptions,
  createDeepScCovid,
  type DeepScCovidNetwork,
} from './network.js';
export {
  DEFAULT_SEGMENTATION_LR,
  isSegmentationParameter,
  paperGroups,
  paperOptimizer,
} from './optimizer-groups.js';
export { type Prediction, type PredictOptions, predict } from './predict.js';
export { PRESETS, type PresetName, presetConfig } from './presets.js';
export { type PatchRegion, regionInputNames, regionInputs, validateRegion } from './region.js';
export { type Array3, resample3d } from './resample.js';
export { type PatchGrid, segmentationShape, windowRegion } from './sliding-window.js';
export {
  type DeepScCovidInstance,
  type DeepScCovidSpec,
  model,
} from './spec.js';
export { cumulativeStrides, planStrides, type Size3, type StridePlan, validateStrides } from './strides.js';
export {
  type DeepScCovidModelConfig,
  lossSectionSchema,
  MAX_SCAN_AXIS,
  MIN_SCAN_AXIS,
  type ModelSection,
  modelSectionSchema,
  resolveTrainingConfig,
  sectionNetworkConfig,
} from './training-config.js';
export {
  networkInputs,
  type TrainingBatch,
  type TrainingStepOptions,
  trainingStep,
} from './training-step.js';
export {
  CLASS_LABELS,
  classOfLabel,
  type PatchSampling,
  scanGridOf,
  twoStreamBatch,
} from './two-stream-batch.js';
export {
  hasClassifier,
  hasCrossStitch,
  hasSegmentation,
  hasTaskAwareTerm,
  isJoint,
} from './variant.js';
export { version } from './version.js';
