/**
 * The model of a checkpoint, for prediction and evaluation: the model `state.json` records
 * (`config.model.name`, found through the model registry, and the configuration it was trained
 * with), built for inference with the checkpoint's weights.
 * @module
 */
import { WindowBatchError } from '@deepsc/core';
import { CheckpointError, type CheckpointState, checkpointModel, loadCheckpoint } from './checkpoint.js';
import { ConfigError } from './config/config-error.js';
import { resolveTrainingModel, type TrainingModel } from './config/training-model.js';
import { type Predictor, predictorOf } from './infer.js';
import {
  checkPredictDevice,
  PredictorOptionError,
  type PredictorOptions,
  resolveWindowBatch,
} from './predictor-options.js';

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
 * Builds the checkpoint's model for inference with its weights, compiled once for the device
 * and the window batch (it then predicts any number of scans).
 * @param options - device (default `cpu`) and window batch (default 1 on the CPU, 4 on `cuda`,
 *   capped by the model's limit).
 * @returns the model, ready to predict, and the window batch it runs; the caller disposes
 *   `predictor.net.model`.
 * @throws PredictorOptionError (before anything is read) for a device that is not cpu / cuda or
 *   not available here (no CUDA backend, no GPU), or a window batch that is not a positive
 *   integer or above what the model batches (naming why); as {@link checkpointTrainingModel}
 *   and `loadCheckpoint`.
 */
export async function loadPredictor(
  path: string,
  state: CheckpointState,
  options: PredictorOptions = {},
): Promise<{ model: TrainingModel; predictor: Predictor; windowBatch: number }> {
  const device = checkPredictDevice(options.device ?? 'cpu');
  const model = await checkpointTrainingModel(path, state);
  const windowBatch = resolveWindowBatch(model.spec, model.config, device, options.windowBatch);
  let net: ReturnType<typeof model.spec.create>;
  try {
    net = model.spec.create(model.config, { seed: state.config.seed, mode: 'infer', device, windowBatch });
  } catch (err) {
    if (err instanceof WindowBatchError) throw new PredictorOptionError(err.message);
    throw err;
  }
  try {
    await loadCheckpoint(path, net.model, { optimizer: 'skip' });
  } catch (err) {
    net.model.dispose();
    throw err;
  }
  return { model, predictor: predictorOf(model.spec, net), windowBatch };
}
