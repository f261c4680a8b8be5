/**
 * Where a checkpoint's model predicts and how many sliding windows it runs per network call:
 * the device (`cpu`, or `cuda` where the engine has a CUDA backend and sees a GPU) and the
 * window batch (default 1 on the CPU, {@link CUDA_WINDOW_BATCH} on a GPU, never above what the
 * model can batch), checked before anything is read or compiled.
 * @module
 */
import { type AnyModelSpec, cudaAvailable, type Device, requireTensorDevice } from '@deepsc/core';

/**
 * Windows per network call on `cuda` when none is asked for: enough to keep a GPU busy at the
 * paper's window sizes (one window of the U-Net's paper preset, [48, 192, 192], is far from
 * filling an H100), small enough for its memory; capped by the model's `maxWindowBatch`.
 */
export const CUDA_WINDOW_BATCH = 4;

/** How a predictor is built: {@link loadPredictor}'s options. */
export interface PredictorOptions {
  /** `cpu` (default) or `cuda`. */
  device?: Device;
  /**
   * Sliding windows per network call (the inference graph is compiled for it); default 1 on
   * the CPU, {@link CUDA_WINDOW_BATCH} on `cuda` (at most the model's limit). Results do not
   * depend on it on the CPU (bit for bit).
   */
  windowBatch?: number;
}

/** A device or window batch that cannot be used here or with this model (a usage error: exit 2). */
export class PredictorOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictorOptionError';
  }
}

/**
 * Checks that `device` can run a network here.
 * @throws PredictorOptionError for a device other than cpu / cuda, or `cuda` without a CUDA
 *   backend or a visible GPU, saying which.
 */
export function checkPredictDevice(device: unknown): Device {
  if (device === 'cpu') return device;
  if (device !== 'cuda')
    throw new PredictorOptionError(`device ${JSON.stringify(device)}: expected "cpu" or "cuda"`);
  if (cudaAvailable()) return device;
  try {
    requireTensorDevice('cuda', 'device');
  } catch (err) {
    // "device: device 'cuda' is not available: <why>; use 'cpu'"
    throw new PredictorOptionError((err as Error).message.replace(/^device: /, ''));
  }
  throw new PredictorOptionError("device 'cuda' is not available; use 'cpu'");
}

/**
 * The window batch a model runs with on `device`: the one asked for, or the device's default
 * capped by the model's limit.
 * @throws PredictorOptionError for a window batch that is not a positive integer.
 */
export function resolveWindowBatch(
  spec: AnyModelSpec,
  config: unknown,
  device: Device,
  windowBatch: number | undefined,
): number {
  if (windowBatch === undefined) {
    const limit = spec.maxWindowBatch?.(config) ?? Number.POSITIVE_INFINITY;
    return device === 'cuda' ? Math.max(1, Math.min(CUDA_WINDOW_BATCH, limit)) : 1;
  }
  if (!Number.isSafeInteger(windowBatch) || windowBatch < 1)
    throw new PredictorOptionError(`window batch ${String(windowBatch)}: expected a positive integer`);
  return windowBatch;
}
