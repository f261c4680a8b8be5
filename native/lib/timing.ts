/**
 * Kernel timing the way the graph executor runs ops: for benchmarks that want the per-op cost a
 * training step pays, without the eager calls' per-call JS overhead.
 * @packageDocumentation
 */
import { type Attrs, loadBinding, type RawTensor } from './binding.js';
import type { DeviceCallOptions, OpAttrs, OpName } from './ops.js';

/**
 * CPU time of one op call with its tensors already in engine-owned memory, as the graph
 * executor runs it. Before the timed loop the inputs are copied into engine buffers (so the
 * caller's arrays never change, even for ops that update an input in place), and the outputs,
 * the requested gradients and the op's workspace are allocated once; the forward runs once to
 * produce the outputs the backward reads. Then the kernel is called `warmup` + `repeats` times,
 * synchronously on the calling thread and the engine's thread pool (the same `run_forward` /
 * `run_backward` calls the executor makes on its arena), and each timed call is measured with a
 * steady clock. What the eager {@link forward} / {@link backward} add per call (JS argument
 * conversion, a fresh zero-filled output array) is not included.
 * @param op - the op's registered name.
 * @param attrs - the op's attributes, as for {@link forward}.
 * @param inputs - in the op's input order; `null` for an absent optional input. Checked exactly
 *   as {@link forward} checks them.
 * @param needGrad - `null` times the forward; otherwise the backward computing the gradients of
 *   the inputs marked true, with dL/d(outputs) set to the outputs themselves (values do not
 *   change the work). conv3d: `[true, false, false]` is backward-data, `[false, true, true]`
 *   backward-weight with the bias gradient.
 * @param warmup - untimed calls first, an integer in [0, 100000].
 * @param repeats - timed calls, an integer in [1, 100000].
 * @param options - `device`: `'cpu'` (the default, as above) or `'cuda'`: the GPU time of each
 *   call (CUDA events) with inputs, outputs and gradients already in device memory (no copies,
 *   no host overhead), for GPU benchmarks written in TypeScript (benchmarks/gpu/run.sh uses the
 *   Node-free native/test/cuda_check instead).
 * @returns milliseconds of each timed call, `repeats` numbers in call order.
 * @throws RangeError for a bad `warmup` or `repeats`; TypeError / RangeError / Error for a bad
 *   op, attributes or inputs, and TypeError when `needGrad` asks for the gradient of an input
 *   that has none or is neither null nor an array, as {@link forward} and {@link backward} throw;
 *   the device errors of {@link DeviceCallOptions.device}.
 */
export function timeOp<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[] | null,
  warmup: number,
  repeats: number,
  options: DeviceCallOptions = {},
): number[] {
  return loadBinding().timeOp(options.device ?? 'cpu', op, attrs as Attrs, inputs, needGrad, warmup, repeats);
}
