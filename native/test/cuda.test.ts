/**
 * The CUDA kernels against their CPU twins: every op in native/src/cuda/ops_cuda.def has a case
 * table here, run forward and backward on both backends and compared with a tolerance stated
 * per op (the CPU kernel is the reference; its own tests check it against float64). CUDA results
 * must also be bitwise repeatable (the kernels use no atomics).
 *
 * Without a GPU the comparison SKIPS, saying why; DEEPSC_REQUIRE_CUDA=1 (set by
 * benchmarks/gpu/run.sh) turns that skip into a failure so a GPU run cannot pass by skipping.
 */
import { describe, expect, it } from 'vitest';
import {
  backward,
  cudaBackward,
  cudaForward,
  cudaOps,
  cudaTimeOp,
  forward,
  loadBinding,
  type OpAttrs,
  type OpName,
  type RawTensor,
} from '../lib/index.js';
import { expectClose, expectThrows, randTensor, rng } from './support/testing.js';

const info = loadBinding().info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
const skipReason = info.cudaBuilt
  ? `SKIPPED: no CUDA device (${state})`
  : `SKIPPED: no CUDA device: addon built without CUDA (${state})`;

interface Tol {
  rtol: number;
  atol: number;
}
interface CudaCase<K extends OpName> {
  name: string;
  attrs: OpAttrs[K];
  inputs: (RawTensor | null)[];
}
interface OpTable<K extends OpName> {
  /** Relative and absolute tolerance of CUDA against the CPU, forward and backward. */
  tol: Tol;
  cases: CudaCase<K>[];
}

const r = rng(2024);
const t = (shape: number[], lo = -1, hi = 1) => randTensor(shape, r, lo, hi);

// Elementwise ops compute the same float expression on both sides: equal up to the last ulp
// (expf vs std::exp in sigmoid). Broadcast reductions and scale's ds sum in double on both
// sides, in different orders. conv3d sums up to C kD kH kW (or N Do Ho Wo) fp32 products in a
// different order than the CPU's blocked kernels.
const tables: { [K in OpName]?: OpTable<K> } = {
  relu: {
    tol: { rtol: 0, atol: 0 },
    cases: [
      { name: '5D [2,3,5,7,9]', attrs: {}, inputs: [t([2, 3, 5, 7, 9])] },
      { name: 'long [70001]', attrs: {}, inputs: [t([70001])] },
    ],
  },
  leaky_relu: {
    tol: { rtol: 1e-7, atol: 0 },
    cases: [
      { name: 'slope 0.2 [2,4,6,6,6]', attrs: { slope: 0.2 }, inputs: [t([2, 4, 6, 6, 6])] },
      { name: 'default slope [1000]', attrs: {}, inputs: [t([1000])] },
    ],
  },
  sigmoid: {
    tol: { rtol: 1e-6, atol: 1e-9 },
    cases: [
      { name: 'wide range [3,4,5,6]', attrs: {}, inputs: [t([3, 4, 5, 6], -30, 30)] },
      { name: 'small [7]', attrs: {}, inputs: [t([7])] },
    ],
  },
  add: {
    tol: { rtol: 1e-6, atol: 1e-6 },
    cases: [
      { name: 'same shape', attrs: {}, inputs: [t([2, 3, 4, 5]), t([2, 3, 4, 5])] },
      {
        name: 'per-channel bias [2,8,4,4,4] + [1,8,1,1,1]',
        attrs: {},
        inputs: [t([2, 8, 4, 4, 4]), t([1, 8, 1, 1, 1])],
      },
      { name: 'both broadcast [1,5] + [4,1]', attrs: {}, inputs: [t([1, 5]), t([4, 1])] },
      { name: 'lower rank [3,4,5] + [5]', attrs: {}, inputs: [t([3, 4, 5]), t([5])] },
      { name: 'middle axis [2,3,4,5] + [3,1,1]', attrs: {}, inputs: [t([2, 3, 4, 5]), t([3, 1, 1])] },
    ],
  },
  mul: {
    tol: { rtol: 1e-6, atol: 1e-6 },
    cases: [
      { name: 'same shape', attrs: {}, inputs: [t([2, 3, 4, 5]), t([2, 3, 4, 5])] },
      {
        name: 'per-channel gate [2,8,4,4,4] * [1,8,1,1,1]',
        attrs: {},
        inputs: [t([2, 8, 4, 4, 4]), t([1, 8, 1, 1, 1])],
      },
      { name: 'both broadcast [1,5] * [4,1]', attrs: {}, inputs: [t([1, 5]), t([4, 1])] },
      { name: 'lower rank [5] * [3,4,5]', attrs: {}, inputs: [t([5]), t([3, 4, 5])] },
      { name: 'mask [2,1,4,4,4] * [2,3,4,4,4]', attrs: {}, inputs: [t([2, 1, 4, 4, 4]), t([2, 3, 4, 4, 4])] },
    ],
  },
  mul_scalar: {
    tol: { rtol: 0, atol: 0 },
    cases: [{ name: 'value 2.5 [2,3,17]', attrs: { value: 2.5 }, inputs: [t([2, 3, 17])] }],
  },
  scale: {
    tol: { rtol: 1e-6, atol: 1e-6 },
    cases: [
      { name: '5D [2,3,4,5,6]', attrs: {}, inputs: [t([2, 3, 4, 5, 6]), t([1])] },
      { name: 'long [100000]', attrs: {}, inputs: [t([100000]), t([1])] },
    ],
  },
  conv3d: {
    tol: { rtol: 1e-4, atol: 1e-4 },
    cases: [
      {
        name: '3x3x3 pad 1 with bias',
        attrs: { padding: 1 },
        inputs: [t([2, 4, 6, 7, 8]), t([8, 4, 3, 3, 3]), t([8])],
      },
      {
        name: 'stride 2 pad 1',
        attrs: { stride: 2, padding: 1 },
        inputs: [t([1, 3, 9, 9, 9]), t([5, 3, 3, 3, 3]), t([5])],
      },
      {
        name: 'dilation 2, groups 2, no bias',
        attrs: { padding: 2, dilation: 2, groups: 2 },
        inputs: [t([1, 4, 8, 8, 8]), t([6, 2, 3, 3, 3]), null],
      },
      {
        name: '1x1x1 stride 2',
        attrs: { stride: 2 },
        inputs: [t([2, 16, 6, 6, 6]), t([8, 16, 1, 1, 1]), null],
      },
      {
        name: 'anisotropic kernel, stride and padding',
        attrs: { stride: [1, 2, 3], padding: [0, 1, 2] },
        inputs: [t([1, 2, 5, 9, 11]), t([3, 2, 1, 3, 5]), t([3])],
      },
      {
        name: 'several tiles: [1,32,12,12,12] -> 64 channels',
        attrs: { padding: 1 },
        inputs: [t([1, 32, 12, 12, 12]), t([64, 32, 3, 3, 3]), t([64])],
      },
    ],
  },
};

/** Gradient requests: every present input (all inputs of these ops are differentiable). */
const needAll = (inputs: (RawTensor | null)[]) => inputs.map((x) => x !== null);

function compareOp<K extends OpName>(op: K, table: OpTable<K>, c: CudaCase<K>): void {
  const cpuOut = forward(op, c.attrs, c.inputs);
  const gpuOut = cudaForward(op, c.attrs, c.inputs);
  expect(gpuOut.length).toBe(cpuOut.length);
  cpuOut.forEach((o, i) => {
    expect(gpuOut[i]?.shape).toEqual(o.shape);
    expectClose(gpuOut[i]?.data ?? [], o.data, table.tol, `${op} ${c.name}: output ${i}`);
  });
  const gradOut = cpuOut.map((o) => t(o.shape));
  const need = needAll(c.inputs);
  const cpuGrad = backward(op, c.attrs, c.inputs, cpuOut, gradOut, need);
  const gpuGrad = cudaBackward(op, c.attrs, c.inputs, cpuOut, gradOut, need);
  cpuGrad.forEach((g, i) => {
    if (g === null) {
      expect(gpuGrad[i], `${op} ${c.name}: grad ${i} should be absent`).toBeNull();
      return;
    }
    expectClose(gpuGrad[i]?.data ?? [], g.data, table.tol, `${op} ${c.name}: grad of input ${i}`);
  });
  // Determinism: a second CUDA run gives bitwise the same results.
  const again = cudaBackward(op, c.attrs, c.inputs, cpuOut, gradOut, need);
  again.forEach((g, i) => {
    if (g)
      expect(
        Buffer.from(g.data.buffer).equals(Buffer.from(gpuGrad[i]?.data.buffer ?? new ArrayBuffer(0))),
      ).toBe(true);
  });
}

describe('cuda: the op list', () => {
  it.skipIf(!info.cudaBuilt)(
    info.cudaBuilt ? 'every op in ops_cuda.def has a case table' : `${skipReason}: no op list to check`,
    () => {
      expect(Object.keys(tables).sort()).toEqual([...cudaOps()].sort());
    },
  );
  it.skipIf(info.cudaBuilt)('an addon without CUDA lists no CUDA ops', () => {
    expect(cudaOps()).toEqual([]);
  });
});

describe('cuda: without a device', () => {
  it.skipIf(haveGpu)('asking for CUDA throws "no CUDA device", forward and backward', () => {
    const x = t([4]);
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
  for (const [op, table] of Object.entries(tables) as [OpName, OpTable<OpName>][]) {
    describe(`${op} (rtol ${table.tol.rtol}, atol ${table.tol.atol})`, () => {
      it.each(table.cases)('$name', (c) => compareOp(op, table, c));
    });
  }
});
