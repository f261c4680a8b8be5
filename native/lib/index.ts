/**
 * `@deepsc/native`: DeepSC's C++/CUDA engine. Tensors are float32, NCDHW at the API, conv
 * weights `[K, C/groups, kD, kH, kW]` (PyTorch's layout, so weights move both ways).
 * @packageDocumentation
 */
export type {
  Attrs,
  AttrValue,
  EagerDevice,
  EngineInfo,
  NativeBinding,
  PeakFlops,
  RawTensor,
} from './binding.js';
export {
  addonPath,
  EngineLoadError,
  type EngineStatus,
  engineStatus,
  type LoadedEngine,
  loadBinding,
  loadEngine,
  packageVersion,
} from './binding.js';
export * from './cuda.js';
export type * from './graph.js';
export * from './locate.js';
export * from './ops.js';
export * from './platform.js';
export * from './plugins.js';
export * from './prepared.js';
export * from './timing.js';
