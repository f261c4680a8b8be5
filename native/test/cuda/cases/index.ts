/// <reference types="vite/client" />
/**
 * Every CUDA-vs-CPU case table: the `OpTable` that `cases/<op>.ts` exports for its own op,
 * found by globbing this folder, so a new table file needs no edit here. A file whose stem is
 * not the op of a table it exports (`conv3d_extra.ts`, cases spread into `conv3d.ts`) adds
 * nothing by itself. `op-lists.test.ts` checks that the tables and ops_cuda.def name the same ops.
 */
import type { OpName } from '../../../lib/index.js';
import type { OpTable } from '../table.js';

const modules = import.meta.glob<Record<string, unknown>>(['./*.ts', '!./index.ts'], { eager: true });

function isTable(x: unknown): x is OpTable<OpName> {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as OpTable).op === 'string' &&
    Array.isArray((x as OpTable).cases)
  );
}

export const tables: OpTable<OpName>[] = Object.entries(modules)
  .sort(([a], [b]) => a.localeCompare(b))
  .flatMap(([path, exports]) => {
    const stem = path.slice(path.lastIndexOf('/') + 1, -'.ts'.length);
    return Object.values(exports).filter((x): x is OpTable<OpName> => isTable(x) && x.op === stem);
  });
