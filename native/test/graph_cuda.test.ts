/**
 * The graph executor on the CUDA backend against the CPU: one small training graph (conv3d,
 * relu, a value with two consumers so gradients are accumulated, broadcast add and mul, scale,
 * a loss through a seeded output) compiled on both devices from the same initial data; forward
 * outputs, gradients, and three optimizer steps of SGD (momentum, Nesterov), Adam and AdamW
 * with clipping must agree within a stated tolerance; parameter and optimizer-state reads and
 * writes round-trip; CUDA runs are bitwise repeatable; device memory is counted and freed.
 *
 * Tolerances: conv3d sums its products in another order on the GPU (rtol = atol = 1e-4 in the
 * op table), so values and gradients are compared with rtol 1e-4 and atol 1e-4 * max|cpu| per
 * tensor. The optimizers apply the CPU's float expression with the same rounding (their
 * inputs differ only through the gradients), so parameters after the steps use the same bound.
 *
 * Without a GPU the comparisons SKIP, saying why; DEEPSC_REQUIRE_CUDA=1 makes that a failure.
 * The error paths without a GPU run everywhere.
 */
import { describe, expect, it } from 'vitest';
import {
  cudaOps,
  type GraphDesc,
  loadBinding,
  type NativeCompileOptions,
  type NativeModelHandle,
  type NativeOptimizerConfig,
  type RawTensor,
} from '../lib/index.js';
import { closeness, randTensor, rng } from './support/testing.js';

const B = loadBinding();
const info = B.info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const state = `cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}]`;
const skipReason = info.cudaBuilt
  ? `SKIPPED: no CUDA device (${state})`
  : `SKIPPED: no CUDA device: addon built without CUDA (${state})`;

const X = [2, 3, 6, 6, 6];
const Y = [2, 4, 6, 6, 6];
const PARAMS = ['conv.weight', 'conv.bias', 'shift', 'gain', 's'] as const;
/** Ops appended to the graph to test the missing-CUDA-kernel error (the first one without a kernel). */
const EXTRA_OPS = ['softmax', 'log_softmax', 'global_avg_pool', 'mse', 'soft_dice'];

/**
 * x -> conv3d (pad 1) = c; h = relu(c); y = scale((h + c + shift) * gain, s). `c` has two
 * consumers, so its gradient is accumulated; `shift` and `gain` are [1,4,1,1,1] broadcasts.
 * `extra` appends a node on h (for the missing-kernel error).
 */
function net(seed: number, extra?: string): GraphDesc {
  const r = rng(seed);
  const data = (shape: number[], lo: number, hi: number) => randTensor(shape, r, lo, hi).data;
  const items: GraphDesc['items'][number][] = [
    { kind: 'input', name: 'x', shape: X },
    {
      kind: 'parameter',
      name: 'conv.weight',
      shape: [4, 3, 3, 3, 3],
      data: data([4, 3, 3, 3, 3], -0.3, 0.3),
    },
    { kind: 'parameter', name: 'conv.bias', shape: [4], data: data([4], -0.1, 0.1) },
    { kind: 'parameter', name: 'shift', shape: [1, 4, 1, 1, 1], data: data([1, 4, 1, 1, 1], -0.5, 0.5) },
    { kind: 'parameter', name: 'gain', shape: [1, 4, 1, 1, 1], data: data([1, 4, 1, 1, 1], 0.5, 1.5) },
    { kind: 'parameter', name: 's', shape: [1], data: new Float32Array([0.8]) },
    { kind: 'node', op: 'conv3d', name: 'conv', attrs: { padding: 1 }, inputs: [0, 1, 2], outputs: [6] },
    { kind: 'node', op: 'relu', name: 'act', attrs: {}, inputs: [6], outputs: [7] },
    { kind: 'node', op: 'add', name: 'skip', attrs: {}, inputs: [7, 6], outputs: [8] },
    { kind: 'node', op: 'add', name: 'shifted', attrs: {}, inputs: [8, 3], outputs: [9] },
    { kind: 'node', op: 'mul', name: 'gated', attrs: {}, inputs: [9, 4], outputs: [10] },
    { kind: 'node', op: 'scale', name: 'scaled', attrs: {}, inputs: [10, 5], outputs: [11] },
  ];
  const outputs = [
    { name: 'y', value: 11 },
    { name: 'h', value: 7 },
  ];
  if (extra) {
    // Losses take (prediction, target, weight): h against itself.
    const ins = ['mse', 'soft_dice'].includes(extra) ? [7, 7, null] : [7];
    items.push({ kind: 'node', op: extra, name: `extra_${extra}`, attrs: {}, inputs: ins, outputs: [12] });
    outputs.push({ name: 'extra', value: 12 });
  }
  return { items, outputs };
}

/** net() with a loss: mse(y, target), `target` an input. */
function netWithLoss(seed: number): GraphDesc {
  const base = net(seed);
  return {
    items: [
      ...base.items,
      { kind: 'input', name: 'target', shape: Y },
      { kind: 'node', op: 'mse', name: 'loss', attrs: {}, inputs: [11, 12, null], outputs: [13] },
    ],
    outputs: [...base.outputs, { name: 'loss', value: 13 }],
    loss: 13,
  };
}

const train = (device: 'cpu' | 'cuda', optimizer?: NativeOptimizerConfig): NativeCompileOptions => ({
  device,
  mode: 'train',
  seedOutputs: ['y'],
  inputGradients: ['x'],
  ...(optimizer ? { optimizer } : {}),
});

const inputs = (seed: number) => {
  const r = rng(seed);
  return { x: randTensor(X, r), seed: randTensor(Y, r) };
};

/** rtol 1e-4, atol 1e-4 max|cpu|: the bound for everything downstream of conv3d. */
function expectNear(got: RawTensor | undefined, want: RawTensor | undefined, what: string): void {
  expect(got, `${what}: missing`).toBeDefined();
  expect(want, `${what}: missing on the CPU`).toBeDefined();
  if (!got || !want) return;
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  let maxAbs = 0;
  for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const { worst, at } = closeness(got.data, want.data, 1e-4, 1e-4 * maxAbs);
  expect(worst, `${what}: worst at ${at}: cuda ${got.data[at]}, cpu ${want.data[at]}`).toBeLessThanOrEqual(1);
}

function bitwiseEqual(a: RawTensor, b: RawTensor): boolean {
  const x = a.data;
  const y = b.data;
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
    Buffer.from(y.buffer, y.byteOffset, y.byteLength),
  );
}

/** forward, backward with the seed, step; returns the outputs and the step report. */
async function trainOnce(m: NativeModelHandle, seed: number) {
  const d = inputs(seed);
  const outs = await m.forward({ x: d.x });
  await m.backward({ y: d.seed });
  const report = await m.step();
  return { outs, report };
}

describe('executor on cuda: without a device', () => {
  it.skipIf(haveGpu)("compile({ device: 'cuda' }) throws the reason and allocates nothing", () => {
    const before = B.memoryStats();
    expect(() => new B.NativeModel(net(1), train('cuda'))).toThrow(
      /compile: device 'cuda' is not available \(no CUDA backend in this build or no visible GPU\); use device 'cpu'/,
    );
    expect(() => new B.NativeModel(net(1), { device: 'cuda', mode: 'infer' })).toThrow(Error);
    expect(B.memoryStats()).toEqual(before);
  });
  it("the same graph compiles and runs on device 'cpu'", async () => {
    const m = new B.NativeModel(net(1), train('cpu'));
    const d = inputs(2);
    const out = await m.forward({ x: d.x });
    expect(out.y?.shape).toEqual(Y);
    await m.backward({ y: d.seed });
    for (const p of PARAMS) expect(m.gradient(p).shape).toEqual(m.read(p).shape);
    m.dispose();
  });
  it.each(EXTRA_OPS)(
    "the graph with an extra %s node (the missing-kernel case) compiles on device 'cpu'",
    (op) => {
      new B.NativeModel(net(1, op), { device: 'cpu', mode: 'infer' }).dispose();
    },
  );
  it("the graph with a loss trains on device 'cpu' (trainStep)", async () => {
    const config = optimizers[3]?.config as NativeOptimizerConfig;
    const m = new B.NativeModel(netWithLoss(13), { device: 'cpu', mode: 'train', optimizer: config });
    const d = inputs(70);
    const r = await m.trainStep({ x: d.x, target: d.seed }, ['loss']);
    expect(r.outputs.loss?.shape).toEqual([1]);
    expect(r.report.updated).toBe(PARAMS.length);
    m.dispose();
  });
});

const requireGpu = process.env.DEEPSC_REQUIRE_CUDA === '1';
describe('executor on cuda: a GPU was required', () => {
  it.runIf(requireGpu)('DEEPSC_REQUIRE_CUDA=1: a CUDA device is visible to a CUDA-built addon', () => {
    expect(haveGpu, state).toBe(true);
  });
});

const optimizers: { name: string; config: NativeOptimizerConfig; clips: boolean }[] = [
  {
    name: 'SGD, momentum 0.9, Nesterov, weight decay',
    config: {
      kind: 'sgd',
      groups: [{ params: [...PARAMS], lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }],
    },
    clips: false,
  },
  {
    name: 'SGD, momentum 0.5, dampening 0.3 (two groups)',
    config: {
      kind: 'sgd',
      groups: [
        { params: ['conv.weight', 'conv.bias'], lr: 0.01, momentum: 0.5, dampening: 0.3 },
        { params: ['shift', 'gain', 's'], lr: 0.03 },
      ],
    },
    clips: false,
  },
  {
    name: 'Adam, L2 weight decay',
    config: { kind: 'adam', groups: [{ params: [...PARAMS], lr: 1e-2, weightDecay: 1e-3 }] },
    clips: false,
  },
  {
    name: 'AdamW, two groups, global-norm clipping',
    config: {
      kind: 'adamw',
      clipGradNorm: 0.5,
      groups: [
        { params: ['conv.weight', 'conv.bias'], lr: 1e-2, weightDecay: 0.05 },
        { params: ['shift', 'gain', 's'], lr: 3e-3, betas: [0.8, 0.99], eps: 1e-6 },
      ],
    },
    clips: true,
  },
];

describe.skipIf(!haveGpu)(
  haveGpu ? `executor: cuda vs cpu (${state})` : `executor: cuda vs cpu: ${skipReason}`,
  () => {
    it('forward outputs and gradients (input, parameters) match the CPU', async () => {
      const cpu = new B.NativeModel(net(7), train('cpu'));
      const gpu = new B.NativeModel(net(7), train('cuda'));
      const d = inputs(8);
      const [oc, og] = [await cpu.forward({ x: d.x }), await gpu.forward({ x: d.x })];
      expectNear(og.y, oc.y, 'y');
      expectNear(og.h, oc.h, 'h');
      await cpu.backward({ y: d.seed });
      await gpu.backward({ y: d.seed });
      for (const name of ['x', ...PARAMS]) expectNear(gpu.gradient(name), cpu.gradient(name), `d${name}`);
      // Device kernels take no workspace: the device arena is never larger.
      expect(gpu.info().arenaBytes).toBeLessThanOrEqual(cpu.info().arenaBytes);
      cpu.dispose();
      gpu.dispose();
    });

    it.each(optimizers)(
      '3 steps of $name match the CPU (parameters, reports, state)',
      async ({ config, clips }) => {
        const cpu = new B.NativeModel(net(11), train('cpu', config));
        const gpu = new B.NativeModel(net(11), train('cuda', config));
        for (let k = 0; k < 3; k++) {
          const a = await trainOnce(cpu, 20 + k);
          const b = await trainOnce(gpu, 20 + k);
          expectNear(b.outs.y, a.outs.y, `step ${k}: y`);
          expect(b.report.updated).toBe(a.report.updated);
          expect(Math.abs(b.report.gradNorm - a.report.gradNorm) / a.report.gradNorm).toBeLessThan(1e-4);
          expect(Math.abs(b.report.clipScale - a.report.clipScale)).toBeLessThan(1e-4);
          if (clips) expect(b.report.clipScale).toBeLessThan(1);
          else expect(b.report.clipScale).toBe(1);
        }
        for (const p of PARAMS) expectNear(gpu.read(p), cpu.read(p), `${p} after 3 steps`);
        const sc = cpu.optimizerState();
        const sg = gpu.optimizerState();
        expect(sg.kind).toBe(sc.kind);
        expect(sg.lr).toEqual(sc.lr);
        for (const p of PARAMS) {
          expect(sg.params[p]?.step, `${p}.step`).toBe(sc.params[p]?.step);
          const names = Object.keys(sc.params[p]?.buffers ?? {});
          expect(Object.keys(sg.params[p]?.buffers ?? {})).toEqual(names);
          for (const n of names) expectNear(sg.params[p]?.buffers[n], sc.params[p]?.buffers[n], `${p}.${n}`);
        }
        cpu.dispose();
        gpu.dispose();
      },
    );

    it('runs are bitwise repeatable (outputs, gradients, parameters, reports)', async () => {
      const config = optimizers[3]?.config as NativeOptimizerConfig;
      const runs = [];
      for (let rep = 0; rep < 2; rep++) {
        const m = new B.NativeModel(net(5), train('cuda', config));
        const reports = [];
        for (let k = 0; k < 3; k++) reports.push((await trainOnce(m, 30 + k)).report);
        const d = inputs(40);
        const outs = await m.forward({ x: d.x });
        await m.backward({ y: d.seed });
        const grads = PARAMS.map((p) => m.gradient(p));
        runs.push({ reports, outs, grads, params: PARAMS.map((p) => m.read(p)) });
        m.dispose();
      }
      const [a, b] = runs;
      if (!a || !b) throw new Error('two runs expected');
      expect(b.reports).toEqual(a.reports);
      expect(bitwiseEqual(b.outs.y as RawTensor, a.outs.y as RawTensor), 'y').toBe(true);
      PARAMS.forEach((p, i) => {
        expect(bitwiseEqual(b.grads[i] as RawTensor, a.grads[i] as RawTensor), `d${p}`).toBe(true);
        expect(bitwiseEqual(b.params[i] as RawTensor, a.params[i] as RawTensor), p).toBe(true);
      });
    });

    it('parameters and optimizer state round-trip: a restored model continues bit for bit', async () => {
      const config = optimizers[2]?.config as NativeOptimizerConfig;
      const a = new B.NativeModel(net(3), train('cuda', config));
      for (let k = 0; k < 2; k++) await trainOnce(a, 50 + k);
      // read -> write -> read is the identity.
      const w = a.read('conv.weight');
      a.write('conv.weight', w);
      expect(bitwiseEqual(a.read('conv.weight'), w)).toBe(true);
      // A fresh model (other init) given a's parameters and optimizer state.
      const b = new B.NativeModel(net(4), train('cuda', config));
      for (const p of PARAMS) b.write(p, a.read(p));
      b.setOptimizerState(a.optimizerState());
      expect(b.optimizerState()).toEqual(a.optimizerState());
      const ra = await trainOnce(a, 60);
      const rb = await trainOnce(b, 60);
      expect(rb.report).toEqual(ra.report);
      for (const p of PARAMS) expect(bitwiseEqual(b.read(p), a.read(p)), p).toBe(true);
      a.dispose();
      b.dispose();
    });

    it('device memory is counted in the same categories and freed by dispose', () => {
      const before = B.memoryStats();
      const m = new B.NativeModel(net(9), train('cuda', optimizers[2]?.config));
      const during = B.memoryStats();
      const paramBytes = (4 * 3 * 27 + 4 + 4 + 4 + 1) * 4;
      expect(during.persistent - before.persistent).toBe(paramBytes);
      expect(during.arenas - before.arenas).toBe(m.info().arenaBytes);
      // Adam: two moment buffers per parameter, plus the norm's device scratch.
      expect(during.optimizer - before.optimizer).toBeGreaterThanOrEqual(2 * paramBytes);
      m.dispose();
      expect(B.memoryStats()).toEqual(before);
    });

    it('parameters are shared only between models on the same device', () => {
      const cpu = new B.NativeModel(net(1), { device: 'cpu', mode: 'infer' });
      expect(() => new B.NativeModel(net(1), { device: 'cuda', mode: 'infer' }, cpu)).toThrow(
        /parameters are shared only on one device/,
      );
      cpu.dispose();
    });

    const lossOps = ['mse'];
    const lossReady = lossOps.every((op) => cudaOps().includes(op as never));
    it.skipIf(!lossReady)(
      lossReady
        ? 'trainStep with a loss (mse) matches the CPU: loss, report, parameters after 2 steps'
        : `SKIPPED: trainStep with a loss needs CUDA kernels for ${lossOps.join(', ')} (not in cudaOps() yet)`,
      async () => {
        const config = optimizers[3]?.config as NativeOptimizerConfig;
        const cpu = new B.NativeModel(netWithLoss(13), { device: 'cpu', mode: 'train', optimizer: config });
        const gpu = new B.NativeModel(netWithLoss(13), { device: 'cuda', mode: 'train', optimizer: config });
        for (let k = 0; k < 2; k++) {
          const d = inputs(70 + k);
          const batch = { x: d.x, target: d.seed };
          const a = await cpu.trainStep(batch, ['loss']);
          const b = await gpu.trainStep(batch, ['loss']);
          expectNear(b.outputs.loss, a.outputs.loss, `step ${k}: loss`);
          expect(Math.abs(b.report.gradNorm - a.report.gradNorm) / a.report.gradNorm).toBeLessThan(1e-4);
        }
        for (const p of PARAMS) expectNear(gpu.read(p), cpu.read(p), `${p} after 2 steps`);
        cpu.dispose();
        gpu.dispose();
      },
    );

    const candidates = EXTRA_OPS;
    const missing = candidates.filter((op) => !cudaOps().includes(op as never));
    it.skipIf(missing.length === 0)(
      missing.length > 0
        ? `an op without a CUDA kernel (${missing[0]}) fails compile with one error naming it`
        : `SKIPPED: ${candidates.join(', ')} all have CUDA kernels now; no op left to test the error with`,
      () => {
        const op = missing[0] as string;
        const before = B.memoryStats();
        expect(() => new B.NativeModel(net(1, op), { device: 'cuda', mode: 'infer' })).toThrow(
          new RegExp(
            `compile: device 'cuda': no CUDA kernel yet for op ${op} \\(nodes 'extra_${op}'\\); compile with device 'cpu'`,
          ),
        );
        expect(B.memoryStats()).toEqual(before);
      },
    );
  },
);
