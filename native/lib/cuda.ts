/**
 * Eager op calls on the CUDA backend: inputs are copied to the GPU, the op's CUDA kernel runs,
 * outputs come back as new host tensors. For the CUDA-vs-CPU op tests and the GPU benchmark;
 * training keeps tensors on the device through the graph executor instead.
 * @packageDocumentation
 */
import { type Attrs, loadBinding, type RawTensor } from './binding.js';
import type { OpAttrs, OpName, PluginOpName } from './ops.js';

const cuda = loadBinding;

/**
 * Names of the ops that have CUDA kernels (native/src/cuda/ops_cuda.def), in that file's
 * order; empty when the addon was built without CUDA.
 */
export function cudaOps(): string[] {
  return cuda().cudaOps();
}

/**
 * Runs `op` forward on the CUDA backend (device 0), copying `inputs` to the GPU and the
 * outputs back. Arguments are checked exactly as `forward` checks them.
 * @param inputs - in the op's input order; `null` for an absent optional input.
 * @returns the op's outputs (new Float32Arrays).
 * @throws Error "no CUDA device" when no GPU is visible or the addon has no CUDA backend;
 *   Error naming the op when it has no CUDA kernel yet (see {@link cudaOps}); TypeError /
 *   RangeError for bad arguments, as on the CPU.
 */
export function cudaForward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
): RawTensor[];
/** {@link cudaForward} of an op loaded from a plugin (one with CUDA kernels). */
export function cudaForward<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  inputs: readonly (RawTensor | null)[],
): RawTensor[];
export function cudaForward(op: string, attrs: object, inputs: readonly (RawTensor | null)[]): RawTensor[] {
  return cuda().cudaRunForward(op, attrs as Attrs, inputs);
}

/**
 * Runs `op` backward on the CUDA backend: dL/d(inputs[i]) for each `needGrad[i]`, else null.
 * @param outputs - the forward's outputs for the same inputs.
 * @param gradOutputs - dL/d(outputs); `null` means zero.
 * @throws as {@link cudaForward}.
 */
export function cudaBackward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
): (RawTensor | null)[];
/** {@link cudaBackward} of an op loaded from a plugin (one with CUDA kernels). */
export function cudaBackward<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
): (RawTensor | null)[];
export function cudaBackward(
  op: string,
  attrs: object,
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
): (RawTensor | null)[] {
  return cuda().cudaRunBackward(op, attrs as Attrs, inputs, outputs, gradOutputs, needGrad);
}

/**
 * GPU time of one op call with everything already on the device (CUDA events: no copies, no
 * host overhead), for GPU benchmarks written in TypeScript (benchmarks/gpu/run.sh uses the
 * Node-free native/test/cuda_check instead).
 * @param needGrad - null times the forward; otherwise the backward computing the gradients
 *   of the inputs marked true (conv3d: `[true, false, false]` is backward-data,
 *   `[false, true, false]` backward-weight).
 * @param warmup - untimed calls first, an integer in [0, 1000].
 * @param repeats - timed calls, an integer in [1, 1000].
 * @returns milliseconds per timed call.
 * @throws as {@link cudaForward}; RangeError for a bad warmup or repeats.
 */
export function cudaTimeOp<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[] | null,
  warmup: number,
  repeats: number,
): number[] {
  return cuda().cudaTimeOp(op, attrs as Attrs, inputs, needGrad, warmup, repeats);
}
