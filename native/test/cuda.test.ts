/**
 * The CUDA kernels against their CPU twins: every op in native/src/cuda/ops_cuda.def has a case
 * table in ./cuda/cases/<op>.ts, run forward and backward on both backends and compared with a tolerance stated
 * per op (the CPU kernel is the reference; its own tests check it against float64). CUDA results
 * must also be bitwise repeatable (the kernels use no atomics).
 *
 * Without a GPU the comparison SKIPS, saying why; DEEPSC_REQUIRE_CUDA=1 (set by
 * benchmarks/gpu/run.sh) turns that skip into a failure so a GPU run cannot pass by skipping.
 */
import { describe, expect, it } from 'vitest';
import { cudaBackward, cudaForward, cudaOps, cudaTimeOp, loadBinding, type OpName } from '../lib/index.js';
import { tables } from './cuda/cases/index.js';
import { compareCase } from './cuda/compare.js';
import { tensors } from './cuda/table.js';
import { expectThrows } from './support/testing.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
const skipReason = info.cudaBuilt
  ? `SKIPPED: no CUDA device (${state})`
  : `SKIPPED: no CUDA device: addon built without CUDA (${state})`;

describe('cuda: the op list', () => {
  it.skipIf(!info.cudaBuilt)(
    info.cudaBuilt ? 'every op in ops_cuda.def has a case table' : `${skipReason}: no op list to check`,
    () => {
      expect(tables.map((x) => x.op).sort()).toEqual([...cudaOps()].sort());
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

const requireGpu = process.env.DEEPSC_REQUIRE_CUDA === '1';
describe('cuda: a GPU was required', () => {
  it.runIf(requireGpu)('DEEPSC_REQUIRE_CUDA=1: a CUDA device is visible to a CUDA-built addon', () => {
    expect(haveGpu, state).toBe(true);
  });
});

describe.skipIf(!haveGpu)(haveGpu ? `cuda vs cpu (${state})` : `cuda vs cpu: ${skipReason}`, () => {
  for (const table of tables) {
    describe(`${table.op} (rtol ${table.tol.rtol}, atol ${table.tol.atol})`, () => {
      it.each(table.cases)('$name', (c) => {
        const { failures } = compareCase(table, c);
        expect(failures, `${table.op} ${c.name}`).toEqual([]);
      });
    });
  }
});
