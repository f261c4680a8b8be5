/**
 * The CUDA-vs-CPU op checks as a plain program (no test runner), for GPU machines that have
 * Node but not the repository's node_modules: benchmarks/gpu/prepare-carry.mjs bundles it into
 * one file. Same tables and comparison as native/test/cuda.test.ts.
 *
 *   node run-checks.mjs [op ...]      (default: every op in ops_cuda.def)
 *
 * Runs the CUDA cases of the case tables (test/cases/<op>.ts) of the ops in ops_cuda.def.
 * Prints one line per case (PASS/FAIL, the worst error against the tolerance, the worst
 * relative error) and a summary per op; exits 1 when a case fails or an op in ops_cuda.def has
 * no CUDA case, 2 when there is no CUDA device.
 */
import { cudaOps, loadBinding } from '../../lib/index.js';
import { tables } from '../cases/index.js';
import { casesFor, cudaCase } from '../cases/table.js';
import { compareCase } from './compare.js';

const info = loadBinding().info();
if (!info.cudaBuilt || info.cudaDevices.length === 0) {
  console.error(`no CUDA device (cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}])`);
  process.exit(2);
}
console.log(`CUDA devices: ${info.cudaDevices.join('; ')}; engine ${info.version}`);
const only = process.argv.slice(2);
let failed = 0;
let checked = 0;
const kernels = new Set<string>(cudaOps());
for (const op of kernels)
  if (!tables.some((t) => t.op === op && casesFor(t, 'cuda').length > 0)) {
    console.log(`FAIL ${op}: in ops_cuda.def but test/cases/${op}.ts has no CUDA case`);
    failed++;
  }
for (const table of tables) {
  if (!kernels.has(table.op)) continue;
  if (only.length > 0 && !only.includes(table.op)) continue;
  const cases = casesFor(table, 'cuda').map(cudaCase);
  let worstRel = 0;
  let opFailed = 0;
  for (const c of cases) {
    checked++;
    let line: string;
    try {
      const r = compareCase(table, c);
      worstRel = Math.max(worstRel, r.relErr);
      const status = r.failures.length === 0 ? 'PASS' : 'FAIL';
      line = `${status} ${table.op} / ${c.name}: ${r.worst.toPrecision(3)}x tolerance, rel err ${r.relErr.toExponential(2)}`;
      if (r.failures.length > 0) {
        opFailed++;
        line += `\n    ${r.failures.join('\n    ')}`;
      }
    } catch (err) {
      opFailed++;
      line = `FAIL ${table.op} / ${c.name}: threw ${(err as Error).message}`;
    }
    console.log(line);
  }
  failed += opFailed;
  console.log(
    `== ${table.op}: ${cases.length - opFailed}/${cases.length} passed (rtol ${table.cudaTol.rtol}, atol ${table.cudaTol.atol}; worst relative error ${worstRel.toExponential(2)})`,
  );
}
console.log(`${checked} cases checked, ${failed} failures`);
process.exit(failed === 0 ? 0 : 1);
