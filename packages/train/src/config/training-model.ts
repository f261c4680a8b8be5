/**
 * The model of a training configuration: `model.name` through the registry to its spec, and
 * the model's sections (`model` but its name, and `loss`) through the spec's `resolveConfig`,
 * with `training.bestMetric` checked against what the configured model predicts.
 * @module
 */
import type { AnyModelSpec, ModelTasks } from '@deepsc/core';
import { resolveModel } from '../model-registry.js';
import { ConfigError } from './config-error.js';
import type { TrainConfig } from './schema.js';

/** A configuration's model: its spec, its resolved configuration and what it predicts. */
export interface TrainingModel {
  readonly spec: AnyModelSpec;
  /** The spec's resolved configuration of the `model` and `loss` sections. */
  readonly config: unknown;
  readonly tasks: ModelTasks;
}

/** Validation metrics a model's tasks give: `accuracy`, `auc`, `loss` with classes, `dice` with segmentation. */
export function metricsOf(tasks: ModelTasks): string[] {
  return [
    ...(tasks.classes?.length ? ['accuracy', 'auc', 'loss'] : []),
    ...(tasks.segmentation ? ['dice'] : []),
  ];
}

/**
 * The spec's resolved configuration of `model` (name left out) and `loss`.
 * @throws ConfigError naming `source` with the spec's problems, one per line.
 */
export function resolveModelSections(
  spec: AnyModelSpec,
  sections: Pick<TrainConfig, 'model'> & Partial<Pick<TrainConfig, 'loss'>>,
  source = 'config',
): unknown {
  const { name: _name, ...model } = sections.model;
  try {
    return spec.resolveConfig({ model, ...(sections.loss !== undefined ? { loss: sections.loss } : {}) });
  } catch (err) {
    if (!(err instanceof RangeError || err instanceof TypeError)) throw err;
    throw new ConfigError(
      source,
      err.message
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
}

/**
 * Resolves the model of `config`.
 * @param source - where the configuration came from, for messages; default `config`.
 * @throws ConfigError for an unknown model or one that is not a model (`resolveModel`), model or
 *   loss fields the model refuses, and a `training.bestMetric` the model does not give.
 */
export async function resolveTrainingModel(
  config: Pick<TrainConfig, 'model' | 'loss' | 'training'>,
  source = 'config',
): Promise<TrainingModel> {
  const spec = await resolveModel(config.model.name, { source });
  const resolved = resolveModelSections(spec, config, source);
  const tasks = spec.tasks(resolved);
  const allowed = metricsOf(tasks);
  const metric = config.training.bestMetric;
  if (!allowed.includes(metric))
    throw new ConfigError(source, [
      `training.bestMetric: got "${metric}"; the model ${spec.name} as configured ${
        tasks.classes?.length ? 'has no lesion output' : 'has no classifier'
      }: allowed: ${allowed.map((m) => `"${m}"`).join(', ')}`,
    ]);
  return { spec, config: resolved, tasks };
}
