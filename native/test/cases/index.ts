/**
 * Every op's case table: the `OpTable` that `cases/<op>.ts` exports for its own op, found by
 * listing this folder, so a new table file needs no edit here. Plain `import()` (no bundler
 * glob), so the vitest suites and the GPU runner under tsx (`test/cuda/run-checks.ts`) load the
 * same tables. `op-lists.test.ts` checks that every op of ops.def has one.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OpName } from '../../lib/index.js';
import type { OpTable } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const support = new Set(['index.ts', 'table.ts']);

function isTable(x: unknown): x is OpTable<OpName> {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as OpTable).op === 'string' &&
    Array.isArray((x as OpTable).cases)
  );
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !support.has(f))
  .sort();

/** The tables, in file-name order; a file's tables are those it exports for the op its name says. */
export const tables: OpTable<OpName>[] = (
  await Promise.all(
    files.map(async (f) => {
      const exports = (await import(pathToFileURL(`${here}/${f}`).href)) as Record<string, unknown>;
      const stem = f.slice(0, -'.ts'.length);
      return Object.values(exports).filter((x): x is OpTable<OpName> => isTable(x) && x.op === stem);
    }),
  )
).flat();
