/**
 * One case table per op, `cases/<op>.ts`, read by every check of the op's kernels:
 *
 * - the float64 check (`float64Suite`, in `test/<op>.test.ts`): the CPU forward against the
 *   table's float64 `reference`, and the backward against central differences of that same
 *   reference;
 * - the CUDA-vs-CPU comparison (`test/cuda.test.ts`, `test/cuda/run-checks.ts`) for ops in
 *   `src/cuda/ops_cuda.def`, within the table's `cudaTol`;
 * - the declared backward reads (`test/backward_reads.test.ts`), every case.
 *
 * A case runs in both the float64 and the CUDA check unless its `checks` says otherwise (a
 * case too large for a float64 reference with finite differences, or one whose float64
 * tolerance the CUDA twin is not held to). `cases/index.ts` finds the tables by file name.
 */
import type { OpAttrs, OpName, RawTensor } from '../../lib/index.js';
import type { CudaCase, Reference, Tolerance } from '../../lib/testing/index.js';
import { randTensor, rng } from '../support/numeric.js';
import type { OpCase } from '../support/testing.js';

/** The checks a case can take part in. */
export type Check = 'float64' | 'cuda';

/** One row: an `OpCase` (name, attributes, inputs, gradients wanted, float64 tolerances) and its checks. */
export interface TableCase<K extends OpName> extends OpCase<K> {
  /** Which checks run this case; default both. */
  checks?: readonly Check[];
}

export interface OpTable<K extends OpName = OpName> {
  op: K;
  /** The float64 reference for a case's attributes (inputs -> outputs, null = absent input). */
  reference: (attrs: OpAttrs[K]) => Reference;
  /**
   * Finite-difference probes per input in the float64 check: evenly spaced elements, every
   * element of small inputs (default 48).
   */
  probes?: number;
  /** Skip the gradient check of empty inputs (nothing to probe); default true. */
  skipEmpty?: boolean;
  /** Tolerance of CUDA against the CPU, forward and backward, and why in a comment. */
  cudaTol: Tolerance;
  cases: TableCase<K>[];
}

/** The table's cases that take part in `check`. */
export function casesFor<K extends OpName>(table: OpTable<K>, check: Check): TableCase<K>[] {
  return table.cases.filter((c) => (c.checks ?? ['float64', 'cuda']).includes(check));
}

/** A row as the CUDA comparison and the backward-reads check take it. */
export function cudaCase<K extends OpName>(c: TableCase<K>): CudaCase<OpAttrs[K]> {
  return { name: c.name, attrs: c.attrs, inputs: c.inputs, ...(c.grad ? { needGrad: c.grad } : {}) };
}

/**
 * A seeded tensor factory for one table file: `const t = tensors(seed)` then
 * `t([2, 3, 4])` (uniform in [-1, 1)) or `t(shape, lo, hi)`.
 */
export function tensors(seed: number): (shape: number[], lo?: number, hi?: number) => RawTensor {
  const r = rng(seed);
  return (shape, lo = -1, hi = 1) => randTensor(shape, r, lo, hi);
}

/** `checks` of a case run only by the float64 check. */
export const float64Only: readonly Check[] = ['float64'];
/** `checks` of a case run only by the CUDA comparison (and the backward reads). */
export const cudaOnly: readonly Check[] = ['cuda'];

/** `cases` with their `checks` set to `checks`. */
export function withChecks<K extends OpName>(checks: readonly Check[], cases: OpCase<K>[]): TableCase<K>[] {
  return cases.map((c) => ({ ...c, checks }));
}
