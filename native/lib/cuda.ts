/**
 * What the CUDA backend of this addon can run. The eager calls themselves take a device:
 * `forward` / `backward` (`ops.ts`) and `timeOp` (`timing.ts`) with `device: 'cuda'`.
 * @packageDocumentation
 */
import { loadBinding } from './binding.js';

/**
 * Names of the ops that have CUDA kernels (native/src/cuda/ops_cuda.def), in that file's
 * order; empty when the addon was built without CUDA.
 */
export function cudaOps(): string[] {
  return loadBinding().cudaOps();
}
