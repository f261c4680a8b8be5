/**
 * `training.recompute` checked before a run starts: the model is built once with the plan (its
 * parameters initialised, its arena reserved but not touched) and freed, so a segment name that
 * matches no node of the model is refused naming the field, before anything is written.
 * @module
 */
import type { MemoryPlanOptions } from '@deepsc/core';
import { ConfigError } from './config/config-error.js';
import type { TrainingModel } from './config/training-model.js';

/**
 * The memory plan of `recompute` for the model, checked by building it.
 * @throws ConfigError naming `training.recompute` when the model refuses a segment.
 */
export function trainingMemoryPlan(
  model: Pick<TrainingModel, 'spec' | 'config'>,
  recompute: readonly string[],
  source = 'config',
): MemoryPlanOptions {
  if (recompute.length === 0) return {};
  const plan: MemoryPlanOptions = { recompute: [...recompute] };
  try {
    model.spec
      .create(model.config, { seed: 0, mode: 'train', device: 'cpu', memoryPlan: plan })
      .model.dispose();
  } catch (err) {
    if (!(err instanceof TypeError) || !/recompute/.test(err.message)) throw err;
    throw new ConfigError(source, [
      `training.recompute: ${err.message.replace(/^compile: recompute: /, '')}; allowed: prefixes of the node names of the model ${model.spec.name}`,
    ]);
  }
  return plan;
}
