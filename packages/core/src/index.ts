/**
 * @deepsc/core: typed tensors, the graph builder over the native executor, optimizers,
 * safetensors, sliding-window geometry and the model interface (`ModelSpec`) that network
 * packages implement. It knows no network: DeepSC-COVID is `@deepsc/deepsc-covid`
 * (docs/model.md).
 *
 * API in one paragraph (for those building networks on it):
 * - `new GraphBuilder({ seed })`; `g.input(name, shape)`, `g.parameter(name, shape, init)`
 *   (inits: `pytorchDefaultWeight()`, `pytorchDefaultBias(weightShape)`, `kaimingNormal()`,
 *   `kaimingUniform()`, `zeros()`, `ones()`, `constant(v)`), `g.state(...)`, `g.constant(...)`;
 *   `g.scoped('stem')` prefixes names (`stem.conv.weight`, PyTorch state-dict names).
 * - Ops: one method per op (`g.relu(x)`, `g.groupNorm(x, gamma, beta, { groups })`, ...) or
 *   `g.op(name, attrs, inputs)` for any registered op (returns all outputs), including ops
 *   from a plugin library loaded with `loadOpLibrary(path)`. Every value is a
 *   `GraphValue` with its `shape` known immediately; bad shapes throw at the call.
 * - `g.output(name, v)`, `g.loss(scalar)`; `const m = g.compile({ device: 'cpu', mode,
 *   optimizer: { kind: 'adam', lr: 2e-3, groups: [{ params: (n) => n.startsWith('lesion.'), lr: 5e-3 }] } })`.
 * - `await m.forward({ x: Tensor })` -> `{ name: Tensor }`; `await m.backward()`;
 *   `await m.step()` (or `await m.trainStep(inputs)`); `m.gradient(name)`, `m.parameter(name)`,
 *   `m.setParameter(name, t)`, `m.setLearningRate(lr, group)`, `m.save(path)` / `m.load(path)`
 *   (safetensors), `m.memory.arenaBytes`, `m.dispose()`.
 * - `Tensor.from(values, shape)`, `Tensor.zeros(shape)`, `t.data`, `t.dispose()`,
 *   `scope(async (s) => ...)` with `s.track(t)`; `nativeMemory()` for leak checks.
 * - Layers (`convBlock`, `residualBlock`, `encoderStage`, `decoderStage`, `segmentationHead`,
 *   `classificationHead`), losses as graph building blocks (`diceCrossEntropy`,
 *   `deepSupervisedDiceCrossEntropy`) and the sliding-window inferer
 *   (`slidingWindowInference(modelWindowForward(m), image, { window })`): docs/extending.md.
 * @packageDocumentation
 */

// Op plugins: custom ops from a shared library, usable with g.op(name, attrs, inputs) (docs/custom-ops.md).
export {
  loadOpLibrary,
  type OpLibrary,
  opLibraries,
  type PluginAttributeInfo,
  type PluginInputInfo,
  type PluginOpInfo,
  type PluginOpName,
  pluginAbiVersion,
} from '@deepsc/native';
export {
  type BuilderOptions,
  type CompileOptions,
  GraphBuilder,
  type GraphNode,
  type MemoryPlanOptions,
  type ParameterOptions,
} from './builder.js';
export {
  type ConfigIssue,
  describeConfigIssue,
  ModelConfigError,
  parseModelSections,
  type SectionSchema,
} from './config-issue.js';
export { cudaAvailable, type Device, requireTensorDevice } from './device.js';
export { engineThreads } from './engine-threads.js';
export { type GraphFlops, graphFlops, nodeFlops } from './flops.js';
export { type GraphIdentity, GraphValue } from './graph-value.js';
export {
  type ChannelVolume,
  modelWindowForward,
  type SlidingWindowOptions,
  slidingWindowInference,
  type WindowForward,
  type WindowOutput,
  type WindowPlace,
} from './inferer.js';
export {
  constant,
  fans,
  type Initializer,
  initialize,
  kaimingNormal,
  kaimingUniform,
  ones,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  zeros,
} from './init.js';
// The layer library (layers/) and losses as graph building blocks (losses/).
export {
  type ActivationKind,
  type ConvBlockOptions,
  classificationHead,
  convBlock,
  type DecoderStageOptions,
  decoderStage,
  type EncoderStageOptions,
  encoderStage,
  type NormActivation,
  type NormKind,
  residualBlock,
  type Size3,
  segmentationHead,
  size3,
  type UpsampleKind,
} from './layers/index.js';
export {
  type DeepSupervisedLoss,
  type DeepSupervisionOptions,
  type DiceCrossEntropyOptions,
  type DiceCrossEntropyTerms,
  deepSupervisedDiceCrossEntropy,
  deepSupervisionWeights,
  diceCrossEntropy,
  resolveDiceCrossEntropyOptions,
} from './losses/index.js';
export { liveTensorBytes, type MemoryStats, nativeMemory } from './memory.js';
export {
  type BackwardOptions,
  CompiledModel,
  type CreateOptions,
  type ForwardOptions,
  type GradientSource,
  type LoadOptions,
  type ModelMemory,
  type OptimizerState,
  type StepReport,
} from './model.js';
export {
  type AnyModelSpec,
  type CreateModelOptions,
  checkModelSpec,
  checkScanGrid,
  type GridSize,
  type GridVolume,
  type ModelBatch,
  type ModelClass,
  type ModelInstance,
  type ModelOptimizer,
  type ModelPrediction,
  type ModelPredictOptions,
  type ModelScan,
  type ModelSpec,
  type ModelStepOptions,
  type ModelStepResult,
  type ModelTasks,
  type RandomSource,
  type TrainingOptimizer,
  WindowBatchError,
  windowBatchOf,
} from './model-spec.js';
export type { HyperParams, OptimizerConfig, ParamGroupConfig, ParamSelector } from './optimizer.js';
export { optimizerDefaults, resolveOptimizer } from './optimizer.js';
export { mulberry32, normalFrom, streamSeed, type Uniform } from './random.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  type SafetensorsContent,
  saveSafetensors,
} from './safetensors.js';
export { type Disposable, Scope, scope } from './scope.js';
export { gaussianWeights, windowGrid, windowStarts } from './sliding-window.js';
export { type DType, type Shape, type Shape2, type Shape5, Tensor, type TensorOptions } from './tensor.js';

/** Version of this package. */
export const version = '0.1.0';
