/**
 * The float64 check of an op's case table (`test/cases/<op>.ts`): one test per case that takes
 * part in it, the CPU forward against the table's float64 reference and the backward against
 * central differences of it (`checkOpProbed`, with the table's probes).
 */
import { it } from 'vitest';
import type { OpName } from '../../lib/index.js';
import { casesFor, type OpTable, type TableCase } from '../cases/table.js';
import { checkOpProbed } from './testing.js';

/** Checks one case of `table` against its float64 reference and finite differences. */
export function checkFloat64<K extends OpName>(table: OpTable<K>, c: TableCase<K>): void {
  checkOpProbed(table.op, c, table.reference(c.attrs), {
    probes: table.probes ?? 48,
    seed: 1,
    skipEmpty: table.skipEmpty ?? true,
  });
}

/** `it.each` over the table's float64 cases (call inside the op's `describe`). */
export function float64Suite<K extends OpName>(table: OpTable<K>): void {
  it.each(casesFor(table, 'float64'))('$name', (c) => checkFloat64(table, c));
}
