/**
 * Runs one CUDA case of an op's table (test/cases/<op>.ts) through the exported comparison
 * (`compareWithCuda` of `@deepsc/native/testing`, lib/testing/compare-cuda.ts) with the table's
 * `cudaTol`, so the vitest suite (native/test/cuda.test.ts), the plain GPU runner
 * (run-checks.ts) and plugin authors share one implementation.
 */
import type { OpAttrs, OpName } from '../../lib/index.js';
import { type CudaCase, type CudaComparison, compareWithCuda } from '../../lib/testing/index.js';
import type { OpTable } from '../cases/table.js';

export type CaseResult = CudaComparison;

export function compareCase<K extends OpName>(table: OpTable<K>, c: CudaCase<OpAttrs[K]>): CaseResult {
  return compareWithCuda(table.op, c, table.cudaTol);
}
