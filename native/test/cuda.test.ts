/**
 * The CUDA kernels against their CPU twins: for every op in native/src/cuda/ops_cuda.def, the
 * cases of its table test/cases/<op>.ts that take part in the CUDA check run forward and
 * backward on both backends and are compared with the table's `cudaTol` (the CPU kernel is the
 * reference; the table's float64 check holds it to float64). An op without a CUDA kernel (not in
 * ops_cuda.def) runs on the CPU and is not compared. CUDA results must also be bitwise
 * repeatable (the kernels use no atomics).
 *
 * Without a GPU the comparison SKIPS, saying why; DEEPSC_REQUIRE_CUDA=1 (set by
 * benchmarks/gpu/run.sh) turns that skip into a failure so a GPU run cannot pass by skipping.
 */
import { describe, expect, it } from 'vitest';
import { cudaBackward, cudaForward, cudaOps, cudaTimeOp, loadBinding, type OpName } from '../lib/index.js';
import { tables } from './cases/index.js';
import { casesFor, cudaCase, tensors } from './cases/table.js';
import { compareCase } from './cuda/compare.js';
import { cudaDefOps } from './support/op-lists.js';
import { expectThrows } from './support/testing.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
const skipReason = info.cudaBuilt
  ? `SKIPPED: no CUDA device (${state})`
  : `SKIPPED: no CUDA device: addon built without CUDA (${state})`;

describe('cuda: the op list', () => {
  it.skipIf(!info.cudaBuilt)(
    info.cudaBuilt
      ? 'the engine has the kernels of ops_cuda.def, and each a table with CUDA cases'
      : `${skipReason}: no op list to check`,
    () => {
      expect([...cudaOps()].sort()).toEqual([...cudaDef].sort());
      const withCases = compared.filter((t) => casesFor(t, 'cuda').length > 0).map((t) => t.op);
      expect(withCases.sort()).toEqual([...cudaDef].sort());
    },
  );
  it.skipIf(info.cudaBuilt)('an addon without CUDA lists no CUDA ops', () => {
    expect(cudaOps()).toEqual([]);
  });
});

describe('cuda: without a device', () => {
  it.skipIf(haveGpu)('asking for CUDA throws "no CUDA device", forward and backward', () => {
    const x = tensors(1)([4]);
    expectThrows(() => cudaForward('relu', {}, [x]), Error, 'relu', 'no CUDA device');
    expectThrows(() => cudaBackward('relu', {}, [x], [x], [x], [true]), Error, 'relu', 'no CUDA device');
    expectThrows(() => cudaTimeOp('relu', {}, [x], null, 0, 1), Error, 'relu', 'no CUDA device');
  });
  it('a bad op name is still a TypeError', () =>
    expectThrows(() => cudaForward('nope' as OpName, {} as never, []), TypeError, "unknown op 'nope'"));
});

/** The tables of the ops with a CUDA kernel (src/cuda/ops_cuda.def): only those are compared. */
const cudaDef = new Set(cudaDefOps());
const compared = tables.filter((t) => cudaDef.has(t.op));

const requireGpu = process.env.DEEPSC_REQUIRE_CUDA === '1';
describe('cuda: a GPU was required', () => {
  it.runIf(requireGpu)('DEEPSC_REQUIRE_CUDA=1: a CUDA device is visible to a CUDA-built addon', () => {
    expect(haveGpu, state).toBe(true);
  });
});

describe.skipIf(!haveGpu)(haveGpu ? `cuda vs cpu (${state})` : `cuda vs cpu: ${skipReason}`, () => {
  for (const table of compared) {
    describe(`${table.op} (rtol ${table.cudaTol.rtol}, atol ${table.cudaTol.atol})`, () => {
      it.each(casesFor(table, 'cuda').map(cudaCase))('$name', (c) => {
        const { failures } = compareCase(table, c);
        expect(failures, `${table.op} ${c.name}`).toEqual([]);
      });
    });
  }
});
