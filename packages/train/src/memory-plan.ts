/**
 * The training network's memory plan from `training.recompute` (activation checkpointing):
 * checked before anything is written, by compiling the training graph once (the engine is the
 * one judge of which node names a segment covers).
 * @module
 */
import type { MemoryPlanOptions } from '@deepsc/core';
import { createDeepScCovid, type DeepScCovidConfig } from '@deepsc/deepsc-covid';
import { ConfigError } from './config/config-error.js';

/**
 * `createDeepScCovid`'s `memoryPlan` for `recompute` (node-name prefixes such as
 * `lesion.enc1`); an empty list is the default plan.
 * @param config - the network configuration the trainer compiles.
 * @param source - where the configuration came from, for the message; default `config`.
 * @throws ConfigError naming `training.recompute` when a segment names no node of the training
 *   graph or cannot be recomputed (the engine's reason).
 */
export function trainingMemoryPlan(
  config: DeepScCovidConfig,
  recompute: readonly string[],
  source = 'config',
): MemoryPlanOptions {
  if (recompute.length === 0) return {};
  const plan: MemoryPlanOptions = { recompute: [...recompute] };
  try {
    // Parameters are initialised and the arena reserved (not touched), then freed at once.
    createDeepScCovid(config, { optimizer: null, memoryPlan: plan }).model.dispose();
  } catch (err) {
    if (!(err instanceof TypeError) || !/recompute/.test(err.message)) throw err;
    throw new ConfigError(source, [
      `training.recompute: ${err.message.replace(/^compile: recompute: /, '')}; allowed: prefixes of the network's node names such as "lesion.enc1", "stem_whole", "classifier.block1"`,
    ]);
  }
  return plan;
}
