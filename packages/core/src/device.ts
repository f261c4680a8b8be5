/**
 * Devices: `cpu` always; `cuda` only where the engine was built with CUDA and a GPU is visible.
 * @module
 */
import { loadBinding } from '@deepsc/native';

/** Where a tensor or a compiled model lives. */
export type Device = 'cpu' | 'cuda';

/** Whether `cuda` could be used: the engine was built with CUDA and sees a GPU. */
export function cudaAvailable(): boolean {
  const info = loadBinding().info();
  return info.cudaBuilt && info.cudaDevices.length > 0;
}

/**
 * Checks that tensors can be placed on `device`.
 * @throws RangeError for an unknown device; Error for `cuda`, with the reason (no CUDA build,
 *   no GPU, or CUDA tensors not supported by this version).
 */
export function requireTensorDevice(device: Device, what: string): void {
  if (device === 'cpu') return;
  if (device !== 'cuda')
    throw new RangeError(`${what}: device is '${String(device)}', expected 'cpu' or 'cuda'`);
  const info = loadBinding().info();
  if (!info.cudaBuilt)
    throw new Error(`${what}: device 'cuda' is not available: this engine was built without CUDA; use 'cpu'`);
  if (info.cudaDevices.length === 0)
    throw new Error(`${what}: device 'cuda' is not available: no GPU is visible; use 'cpu'`);
  throw new Error(`${what}: tensors on 'cuda' are not supported by this version of @deepsc/core; use 'cpu'`);
}
