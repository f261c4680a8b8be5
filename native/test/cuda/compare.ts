/**
 * Runs one case of a CUDA-vs-CPU table through the exported comparison
 * (`compareWithCuda` of `@deepsc/native/testing`, lib/testing/compare-cuda.ts), so the vitest
 * suite (native/test/cuda.test.ts), the plain GPU runner (run-checks.ts) and plugin authors
 * share one implementation.
 */
import type { OpName } from '../../lib/index.js';
import { type CudaComparison, compareWithCuda } from '../../lib/testing/index.js';
import type { CudaCase, OpTable } from './table.js';

export type CaseResult = CudaComparison;

export function compareCase<K extends OpName>(table: OpTable<K>, c: CudaCase<K>): CaseResult {
  return compareWithCuda(table.op, c, table.tol);
}
