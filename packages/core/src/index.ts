/**
 * @deepsc/core: Typed tensors, the graph builder over the native executor, optimizers, the DeepSC-COVID network and its task-aware loss.
 * @packageDocumentation
 */
export const version = '0.1.0';
