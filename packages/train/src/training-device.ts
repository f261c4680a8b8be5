/**
 * The device a training run asks for (`training.device`): checked before anything is written.
 * What a device implies for a model is the model's `create`'s to decide.
 * @module
 */
import { cudaAvailable, type Device, requireTensorDevice } from '@deepsc/core';
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
