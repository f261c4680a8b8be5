/**
 * Prepared op calls: an op, its attributes and its input shapes bound once, then forward and
 * backward on caller-owned Float32Arrays with no per-call attribute parsing, shape inference,
 * allocation or zero-fill. For loops that call one op at one size many times (kernel
 * benchmarks, host-side computations on fixed-size data), where the eager `forward` /
 * `backward` calls' (`ops.ts`) fixed cost (10-15 us) would dominate a small op.
 * @module
 */
import { type Attrs, loadBinding } from './binding.js';
import type { OpAttrs, OpName, PluginOpName } from './ops.js';

/** An op bound to its attributes and input shapes by {@link prepare}. */
export interface PreparedOp {
  /** The op's name. */
  readonly op: string;
  /** The input shapes bound at prepare (null: an absent optional input). */
  readonly inputShapes: (number[] | null)[];
  /** The output shapes, inferred once. */
  readonly outputShapes: number[][];
  /** True after {@link PreparedOp.dispose}. */
  readonly disposed: boolean;
  /**
   * Runs the forward pass: reads `inputs` (each a Float32Array of its bound shape's element
   * count, null exactly where the optional input was absent at prepare) and overwrites every
   * array of `outputs` (one per output shape, sharing no memory with an input or another
   * output). Same results, bit for bit, as the eager `forward`.
   * @throws TypeError naming the op and the argument (a wrong length, a missing array, memory
   *   shared with an input); Error after dispose().
   */
  forward(inputs: readonly (Float32Array | null)[], outputs: readonly Float32Array[]): void;
  /**
   * Runs the backward pass: `outputs` are the forward's for these inputs, `gradOutputs` dL/d
   * each output (a zero array for a zero gradient), and `gradInputs[i]` a Float32Array to
   * overwrite with dL/d(inputs[i]), or null where that gradient is not wanted (at least one
   * is). Same results, bit for bit, as the eager `backward`.
   * @throws TypeError as forward(), and for a gradient asked of an input that has none
   *   (labels, masks); Error after dispose().
   */
  backward(
    inputs: readonly (Float32Array | null)[],
    outputs: readonly Float32Array[],
    gradOutputs: readonly Float32Array[],
    gradInputs: readonly (Float32Array | null)[],
  ): void;
  /** Frees the kernel workspaces; later calls throw. Idempotent. */
  dispose(): void;
}

/**
 * Binds `op` to `attrs` and `inputShapes` (null for an absent optional input): parses and
 * validates them and infers the output shapes once. Its workspaces are allocated by the first
 * call of each pass and reused after.
 * @throws TypeError / RangeError, as the eager `forward`, for an unknown op, bad attributes or shapes.
 */
export function prepare<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputShapes: readonly (readonly number[] | null)[],
): PreparedOp;
/** {@link prepare} of an op loaded from a plugin (`loadOpLibrary`). */
export function prepare<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  inputShapes: readonly (readonly number[] | null)[],
): PreparedOp;
export function prepare(
  op: string,
  attrs: object,
  inputShapes: readonly (readonly number[] | null)[],
): PreparedOp {
  const { PreparedOp: Prepared } = loadBinding();
  return new Prepared(op, attrs as Attrs, inputShapes);
}
