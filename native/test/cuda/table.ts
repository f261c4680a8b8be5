/**
 * The shape of a CUDA-vs-CPU case table: one file per op under `cases/`, found by
 * `cases/index.ts` (a glob over the folder, by file name). Every op in native/src/cuda/ops_cuda.def needs one (the checks fail
 * otherwise). The CPU kernel is the reference (its own tests check it against float64).
 */
import type { OpAttrs, OpName, RawTensor } from '../../lib/index.js';
import { randTensor, rng } from '../support/numeric.js';

/** |cuda - cpu| <= atol + rtol |cpu|, elementwise, for outputs and gradients. */
export interface Tol {
  rtol: number;
  atol: number;
}

export interface CudaCase<K extends OpName> {
  name: string;
  attrs: OpAttrs[K];
  /** In the op's input order; null for an absent optional input. */
  inputs: (RawTensor | null)[];
  /**
   * Which inputs to differentiate; default every present input. Loss targets, masks and
   * weights are not differentiable: set them false.
   */
  needGrad?: boolean[];
}

export interface OpTable<K extends OpName = OpName> {
  op: K;
  /** Tolerance of CUDA against the CPU, forward and backward, and why in a comment. */
  tol: Tol;
  cases: CudaCase<K>[];
}

/**
 * A seeded tensor factory for one table file: `const t = tensors(seed)` then
 * `t([2, 3, 4])` (uniform in [-1, 1)) or `t(shape, lo, hi)`.
 */
export function tensors(seed: number): (shape: number[], lo?: number, hi?: number) => RawTensor {
  const r = rng(seed);
  return (shape, lo = -1, hi = 1) => randTensor(shape, r, lo, hi);
}
