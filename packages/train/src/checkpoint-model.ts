/**
 * The model of a checkpoint, for prediction and evaluation: the model `state.json` records
 * (`config.model.name`, found through the model registry, and the configuration it was trained
 * with), built for inference with the checkpoint's weights.
 * @module
 */
import type { Device } from '@deepsc/core';
import { CheckpointError, type CheckpointState, checkpointModel, loadCheckpoint } from './checkpoint.js';
import { ConfigError } from './config/config-error.js';
import { resolveTrainingModel, type TrainingModel } from './config/training-model.js';
import { type Predictor, predictorOf } from './infer.js';

/**
 * The model a checkpoint's state records.
 * @param path - the checkpoint, for messages.
 * @throws ConfigError (exit 2) when the model is not installed or not a model; CheckpointError
 *   when its recorded configuration does not resolve with the installed model or the installed
 *   package is another model than the one recorded.
 */
export async function checkpointTrainingModel(path: string, state: CheckpointState): Promise<TrainingModel> {
  let model: TrainingModel;
  try {
    model = await resolveTrainingModel(state.config, `${path} (state.json)`);
  } catch (err) {
    // a model that is not installed is the user's to install; a configuration the model no
    // longer takes is the checkpoint's
    if (err instanceof ConfigError && !err.problems.every((p) => p.startsWith('model.name: ')))
      throw new CheckpointError(
        path,
        `its configuration does not fit the installed model: ${err.problems.join('; ')}`,
      );
    throw err;
  }
  const recorded = checkpointModel(state);
  if (recorded.name !== model.spec.name)
    throw new CheckpointError(
      path,
      `it records the model ${recorded.name}, but ${state.config.model.name} loads the model ${model.spec.name}`,
    );
  return model;
}

/**
 * Builds the checkpoint's model for inference with its weights.
 * @param device - where it runs; default `cpu`.
 * @returns the model, ready to predict; the caller disposes `predictor.net.model`.
 * @throws as {@link checkpointTrainingModel} and `loadCheckpoint`.
 */
export async function loadPredictor(
  path: string,
  state: CheckpointState,
  device: Device = 'cpu',
): Promise<{ model: TrainingModel; predictor: Predictor }> {
  const model = await checkpointTrainingModel(path, state);
  const net = model.spec.create(model.config, { seed: state.config.seed, mode: 'infer', device });
  try {
    await loadCheckpoint(path, net.model, { optimizer: 'skip' });
  } catch (err) {
    net.model.dispose();
    throw err;
  }
  return { model, predictor: predictorOf(model.spec, net) };
}
