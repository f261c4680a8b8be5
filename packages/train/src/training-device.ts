/**
 * The device a training run asks for (`training.device`): checked before anything is written,
 * and the network options it implies (where the task-aware loss runs).
 * @module
 */
import { cudaAvailable, type Device, requireTensorDevice } from '@deepsc/core';
import type { CreateNetworkOptions, LossPath, TaskAwareLossOptions } from '@deepsc/deepsc-covid';
import { ConfigError } from './config/config-error.js';

/**
 * Checks that `device` can run a training network here.
 * @param source - where the configuration came from, for the message; default `config`.
 * @throws ConfigError naming `training.device` with the reason when `cuda` is asked for but the
 *   engine was built without CUDA or no GPU is visible, or when `device` is neither `cpu` nor `cuda`.
 */
export function checkTrainingDevice(device: Device, source = 'config'): void {
  if (device === 'cpu') return;
  if (device !== 'cuda')
    throw new ConfigError(source, [`training.device: got ${JSON.stringify(device)}; allowed: "cpu", "cuda"`]);
  if (cudaAvailable()) return;
  // requireTensorDevice says why cuda is unavailable (no CUDA build / no GPU visible).
  let reason = 'CUDA is not available';
  try {
    requireTensorDevice('cuda', 'training.device');
  } catch (err) {
    reason = (err as Error).message.replace(/^training\.device: /, '');
  }
  throw new ConfigError(source, [`training.device: got "cuda"; ${reason} (allowed here: "cpu")`]);
}

/**
 * Where the training network computes the task-aware loss on `device`: inside the graph on
 * `cuda` (the host loss costs more than the rest of the step there), on the host on `cpu` (the
 * path every CPU run, fixture and checkpoint was made with).
 */
export function trainingLossPath(device: Device): LossPath {
  return device === 'cuda' ? 'graph' : 'host';
}

/**
 * The device and loss options of `createDeepScCovid` for a training network: with the loss in
 * the graph its options are compiled in (`lossOptions`), with the host loss they go to each
 * `trainingStep` instead.
 * @param device - `training.device`.
 * @param loss - the configuration's `loss` section.
 * @param path - where the loss runs; default {@link trainingLossPath} of `device`.
 */
export function trainingNetworkOptions(
  device: Device,
  loss: TaskAwareLossOptions,
  path: LossPath = trainingLossPath(device),
): Pick<CreateNetworkOptions, 'device' | 'loss' | 'lossOptions'> {
  return path === 'graph' ? { device, loss: path, lossOptions: loss } : { device, loss: path };
}
