/**
 * Typed, eager wrappers over the engine's ops (synchronous, CPU, on JS-owned memory). One
 * attribute interface per op; the op's name is the same everywhere (ops.def, the C++ files,
 * this file and the tests).
 * @module
 */
import { type Attrs, loadBinding, type RawTensor } from './binding.js';

/** Attributes of `leaky_relu`. */
export interface LeakyReluAttrs {
  /** Slope for x <= 0 (PyTorch's `negative_slope`); default 0.01. */
  slope?: number;
}

/** Attributes of every op, by op name. */
export interface OpAttrs {
  /** `relu`: y = max(x, 0). */
  relu: Record<string, never>;
  /** `leaky_relu`: y = x for x > 0, else slope * x; any shape. */
  leaky_relu: LeakyReluAttrs;
  /** `sigmoid`: y = 1 / (1 + exp(-x)), any shape, overflow-free for large |x|. */
  sigmoid: Record<string, never>;
  /** `softmax` over the channel axis 1 of x `[N, C, ...]` (max-subtracted, so it never overflows). */
  softmax: Record<string, never>;
  /** `log_softmax` over the channel axis 1 of x `[N, C, ...]` (max-subtracted: finite for any finite x). */
  log_softmax: Record<string, never>;
}

/** Name of a registered op. */
export type OpName = keyof OpAttrs;

/**
 * Runs `op` forward on the CPU.
 * @param inputs - in the op's input order; `null` for an absent optional input.
 * @returns the op's outputs (new Float32Arrays).
 * @throws TypeError / RangeError naming the op and the bad value.
 */
export function forward<K extends OpName>(op: K, attrs: OpAttrs[K], inputs: readonly (RawTensor | null)[]): RawTensor[] {
  return loadBinding().runForward(op, attrs as Attrs, inputs);
}

/**
 * Runs `op` backward on the CPU: dL/d(inputs[i]) for each `needGrad[i]`, else null.
 * @param outputs - the forward's outputs for the same inputs.
 * @param gradOutputs - dL/d(outputs); `null` means zero.
 */
export function backward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
): (RawTensor | null)[] {
  return loadBinding().runBackward(op, attrs as Attrs, inputs, outputs, gradOutputs, needGrad);
}

/** Output shapes of `op` for these input shapes, with full validation. */
export function inferShapes<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  shapes: readonly (readonly number[] | null)[],
): number[][] {
  return loadBinding().inferShapes(op, attrs as Attrs, shapes);
}
