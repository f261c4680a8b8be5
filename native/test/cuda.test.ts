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
import {
  backward,
  cudaOps,
  type EagerDevice,
  forward,
  loadBinding,
  loadOpLibrary,
  type OpName,
  type RawTensor,
  timeOp,
} from '../lib/index.js';
import { tables } from './cases/index.js';
import { casesFor, cudaCase, tensors } from './cases/table.js';
import { compareCase } from './cuda/compare.js';
import { buildTestPlugins } from './fixtures/plugins/build.js';
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
  it.skipIf(info.cudaBuilt)('an addon without CUDA lists no CUDA ops and no CUDA precision', () => {
    expect(cudaOps()).toEqual([]);
    expect(info.cudaPrecisions).toEqual([]);
  });
  it.skipIf(!info.cudaBuilt)(
    info.cudaBuilt
      ? 'a CUDA engine accepts fp32, and tf32/bf16 exactly when built with DEEPSC_CUDA_LOWP'
      : `${skipReason}: no precisions to check`,
    () => {
      expect([['fp32'], ['fp32', 'tf32', 'bf16']]).toContainEqual(info.cudaPrecisions);
    },
  );
});

// The device option of the eager calls, each call as forward, backward and timeOp take it.
type EagerCall = (device: unknown, extra?: { out?: RawTensor[]; gradInputs?: RawTensor[] }) => unknown;
const x = tensors(1)([4]);
const calls: [string, EagerCall][] = [
  ['forward', (d, e) => forward('relu', {}, [x], { device: d as EagerDevice, ...e })],
  ['backward', (d, e) => backward('relu', {}, [x], [x], [x], [true], { device: d as EagerDevice, ...e })],
  ['timeOp', (d) => timeOp('relu', {}, [x], null, 0, 1, { device: d as EagerDevice })],
];

describe('cuda: the device option of forward, backward and timeOp', () => {
  it.each(calls)("%s: device 'cpu' is the default", (_name, call) => {
    const given = call('cpu') as RawTensor[] | number[];
    const byDefault = call(undefined) as RawTensor[] | number[];
    expect(given).toHaveLength(byDefault.length);
    if (_name !== 'timeOp') expect(given).toEqual(byDefault);
  });
  const bad: [string, unknown, ErrorConstructor, string][] = [
    ["'gpu'", 'gpu', RangeError, "device must be 'cpu' or 'cuda', got 'gpu'"],
    ["'CUDA' (case matters)", 'CUDA', RangeError, "device must be 'cpu' or 'cuda', got 'CUDA'"],
    ["''", '', RangeError, "device must be 'cpu' or 'cuda', got ''"],
    ['a number', 0, TypeError, "device must be the string 'cpu' or 'cuda'"],
    ['a boolean', true, TypeError, "device must be the string 'cpu' or 'cuda'"],
  ];
  for (const [name, call] of calls)
    it.each(bad)(`${name}: device %s is refused, naming the option`, (_label, device, type, message) =>
      expectThrows(() => call(device), type, message),
    );
  it.skipIf(haveGpu)(`device 'cuda' without a GPU throws "no CUDA device" naming the op (${state})`, () => {
    for (const [, call] of calls) expectThrows(() => call('cuda'), Error, 'relu', 'no CUDA device');
  });
  it("the CPU-only destinations are refused on 'cuda', naming the option, GPU or not", () => {
    const [f, b] = calls;
    expectThrows(
      () => f?.[1]('cuda', { out: [tensors(2)([4])] }),
      TypeError,
      'relu',
      "option 'out'",
      'CPU-only',
    );
    expectThrows(
      () => b?.[1]('cuda', { gradInputs: [tensors(2)([4])] }),
      TypeError,
      'relu',
      "option 'gradInputs'",
      'CPU-only',
    );
  });
  it("a bad op name is still a TypeError on 'cuda'", () =>
    expectThrows(
      () => forward('nope' as OpName, {} as never, [], { device: 'cuda' }),
      TypeError,
      "unknown op 'nope'",
    ));
  // Said before the device is looked for (from the plugin's declaration), so also without a GPU.
  it('a plugin op without CUDA kernels says so, naming the op and the library', () => {
    const lib = buildTestPlugins().good;
    loadOpLibrary(lib);
    const x2 = tensors(3)([2]);
    const calls = [
      () => forward('t_axpb', { a: 2 }, [x2, null], { device: 'cuda' }),
      () => backward('t_axpb', { a: 2 }, [x2, null], [x2], [x2], [true, false], { device: 'cuda' }),
      () => timeOp('t_axpb' as OpName, { a: 2 } as never, [x2, null], null, 0, 1, { device: 'cuda' }),
    ];
    for (const call of calls)
      expectThrows(call, Error, 't_axpb', 'has no CUDA kernels', lib, 'it runs on the CPU');
  });
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
