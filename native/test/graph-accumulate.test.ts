// Gradient accumulation through the raw binding: k micro-batches of b samples give the step of
// one batch of k b samples (the executor averages the micro-batches' gradients, the loss is a
// mean over the batch), for SGD with momentum, Adam and AdamW with clipping; and the call-order
// errors around it.
//
// Tolerance: not bitwise. The large batch sums its gradient contributions over all k b rows in
// one loop, the micro-batches over b rows each, then add the k sums and divide by k; float
// addition is not associative, so the results differ in the last bits: measured relative
// differences are about 1e-7, up to 8e-6 for gradient elements that are sums with
// cancellation. The checks allow a relative 2e-5 plus an absolute 1e-7.
import { describe, expect, it } from 'vitest';
import {
  type GraphDesc,
  loadBinding,
  type NativeModelHandle,
  type NativeOptimizerConfig,
  type RawTensor,
} from '../lib/index.js';
import { closeness, randTensor, rng } from './support/testing.js';

const B = loadBinding();
const F = 6;
const O = 3;

/** x [n, F] -> linear(w, b) -> leaky_relu -> mse against target [n, O] = loss (a mean over the batch). */
function net(n: number, w: Float32Array, b: Float32Array): GraphDesc {
  return {
    items: [
      { kind: 'input', name: 'x', shape: [n, F] },
      { kind: 'input', name: 't', shape: [n, O] },
      { kind: 'parameter', name: 'w', shape: [O, F], data: w },
      { kind: 'parameter', name: 'b', shape: [O], data: b },
      { kind: 'node', op: 'linear', name: 'fc', attrs: {}, inputs: [0, 2, 3], outputs: [4] },
      { kind: 'node', op: 'leaky_relu', name: 'act', attrs: { slope: 0.1 }, inputs: [4], outputs: [5] },
      { kind: 'node', op: 'mse', name: 'mse', attrs: {}, inputs: [5, 1, null], outputs: [6] },
    ],
    outputs: [{ name: 'y', value: 5 }],
    loss: 6,
  };
}

/** Rows [from, from + n) of a [rows, cols] tensor. */
const rows = (t: RawTensor, from: number, n: number): RawTensor => {
  const cols = t.shape[1] as number;
  return { data: t.data.slice(from * cols, (from + n) * cols), shape: [n, cols] };
};

function expectNear(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Math.abs(g - w) > 1e-7 + 2e-5 * Math.abs(w))
      throw new Error(`${what}[${i}]: got ${g}, want ${w} (difference ${Math.abs(g - w)})`);
  }
}

const optimizers: { name: string; config: NativeOptimizerConfig }[] = [
  {
    name: 'sgd with momentum',
    config: { kind: 'sgd', groups: [{ params: ['w', 'b'], lr: 0.1, momentum: 0.9 }] },
  },
  { name: 'adam', config: { kind: 'adam', groups: [{ params: ['w', 'b'], lr: 0.01 }] } },
  {
    name: 'adamw, clipped to a norm below the gradients',
    config: {
      kind: 'adamw',
      groups: [
        { params: ['w'], lr: 0.01 },
        { params: ['b'], lr: 0.02 },
      ],
      clipGradNorm: 0.05,
    },
  },
];
const splits = [
  { k: 2, b: 3 },
  { k: 3, b: 2 },
  { k: 4, b: 1 },
];
const cases = optimizers.flatMap((o) => splits.map((s) => ({ ...o, ...s })));

describe('gradient accumulation equals the large batch', () => {
  it.each(cases)('$name: $k micro-batches of $b', async ({ config, k, b }) => {
    const r = rng(7 + k);
    const w = randTensor([O, F], r).data;
    const bias = randTensor([O], r).data;
    const big = new B.NativeModel(net(k * b, w, bias), { mode: 'train', optimizer: config });
    const micro = new B.NativeModel(net(b, w, bias), { mode: 'train', optimizer: config });
    try {
      for (let step = 0; step < 3; step++) {
        const x = randTensor([k * b, F], r);
        const t = randTensor([k * b, O], r);
        await big.forward({ x, t }, []);
        await big.backward({});
        for (let m = 0; m < k; m++) {
          await micro.forward({ x: rows(x, m * b, b), t: rows(t, m * b, b) }, []);
          await micro.backward({}, true);
          expect(micro.microBatches).toBe(m + 1);
        }
        for (const p of ['w', 'b'])
          expectNear(micro.gradient(p, 'accumulated').data, big.gradient(p).data, `step ${step} grad ${p}`);
        const rb = await big.step();
        const rm = await micro.step();
        expect(rm.microBatches).toBe(k);
        expect(rb.microBatches).toBe(1);
        expect(rm.gradNorm).toBeCloseTo(rb.gradNorm, 5);
        expect(rm.clipScale).toBeCloseTo(rb.clipScale, 5);
        if (config.clipGradNorm) expect(rm.clipScale).toBeLessThan(1); // clipping acted on the mean
        expect(micro.microBatches).toBe(0);
        for (const p of ['w', 'b'])
          expectNear(micro.read(p).data, big.read(p).data, `step ${step} parameter ${p}`);
      }
    } finally {
      big.dispose();
      micro.dispose();
    }
  });

  it('one accumulated micro-batch steps bit for bit like no accumulation, and the same one twice averages to itself', async () => {
    const r = rng(3);
    const w = randTensor([O, F], r).data;
    const bias = randTensor([O], r).data;
    const config: NativeOptimizerConfig = { kind: 'adam', groups: [{ params: ['w', 'b'], lr: 0.01 }] };
    const plain = new B.NativeModel(net(2, w, bias), { mode: 'train', optimizer: config });
    const once = new B.NativeModel(net(2, w, bias), { mode: 'train', optimizer: config });
    const twice = new B.NativeModel(net(2, w, bias), { mode: 'train', optimizer: config });
    try {
      for (let step = 0; step < 3; step++) {
        const x = randTensor([2, F], r);
        const t = randTensor([2, O], r);
        await plain.forward({ x, t }, []);
        await plain.backward({});
        await once.forward({ x, t }, []);
        await once.backward({}, true);
        for (let m = 0; m < 2; m++) {
          await twice.forward({ x, t }, []);
          await twice.backward({}, true);
        }
        // (g + g) / 2 == g exactly in floating point.
        expect(Array.from(twice.gradient('w', 'accumulated').data)).toEqual(
          Array.from(plain.gradient('w').data),
        );
        await plain.step();
        await once.step();
        await twice.step();
        for (const p of ['w', 'b']) {
          expect(Array.from(once.read(p).data)).toEqual(Array.from(plain.read(p).data));
          expect(Array.from(twice.read(p).data)).toEqual(Array.from(plain.read(p).data));
        }
      }
    } finally {
      plain.dispose();
      once.dispose();
      twice.dispose();
    }
  });

  it('keeps one sum per trainable parameter in the optimizer memory, freed with the model', async () => {
    const r = rng(5);
    const before = B.memoryStats().optimizer;
    const m = new B.NativeModel(net(2, randTensor([O, F], r).data, randTensor([O], r).data), {
      mode: 'train',
      optimizer: { kind: 'sgd', groups: [{ params: ['w', 'b'], lr: 0.1 }] },
    });
    expect(B.memoryStats().optimizer).toBe(before); // SGD without momentum keeps no state
    await m.forward({ x: randTensor([2, F], r), t: randTensor([2, O], r) }, []);
    await m.backward({}, true);
    expect(B.memoryStats().optimizer - before).toBe((O * F + O) * 4);
    m.dispose();
    expect(B.memoryStats().optimizer).toBe(before);
  });
});

/** The raw binding throws validation errors synchronously; this turns them into rejections. */
const call = async <T>(f: () => Promise<T>): Promise<T> => f();

describe('gradient accumulation: call order', () => {
  const r = rng(11);
  const x = randTensor([2, F], r);
  const t = randTensor([2, O], r);
  const make = (): NativeModelHandle =>
    new B.NativeModel(net(2, randTensor([O, F], r).data, randTensor([O], r).data), {
      mode: 'train',
      inputGradients: ['x'],
      optimizer: { kind: 'adam', groups: [{ params: ['w', 'b'], lr: 0.01 }] },
    });
  const accumulateOne = async (m: NativeModelHandle) => {
    await m.forward({ x, t }, []);
    await m.backward({}, true);
  };
  const cases: {
    name: string;
    run: (m: NativeModelHandle) => Promise<unknown>;
    type: ErrorConstructor;
    message: RegExp;
  }[] = [
    {
      name: 'a step with nothing accumulated and no backward',
      run: async (m) => {
        await m.forward({ x, t }, []);
        await call(() => m.step());
      },
      type: Error,
      message: /needs gradients: .*at least one accumulated micro-batch/,
    },
    {
      name: 'a second step after the accumulated one',
      run: async (m) => {
        await accumulateOne(m);
        await m.step();
        await call(() => m.step());
      },
      type: Error,
      message: /needs gradients/,
    },
    {
      name: 'a step that would drop a backward not accumulated',
      run: async (m) => {
        await accumulateOne(m);
        await m.forward({ x, t }, []);
        await m.backward({});
        await call(() => m.step());
      },
      type: Error,
      message: /last backward\(\)'s gradients were not accumulated while 1 micro-batch\(es\) are/,
    },
    {
      name: 'accumulating after a parameter write',
      run: async (m) => {
        await accumulateOne(m);
        m.write('b', { data: new Float32Array(O), shape: [O] });
        await m.forward({ x, t }, []);
        await call(() => m.backward({}, true));
      },
      type: Error,
      message: /parameters changed .* after 1 micro-batch\(es\) were accumulated; call zeroGradients\(\)/,
    },
    {
      name: 'a step after a parameter write',
      run: async (m) => {
        await accumulateOne(m);
        m.write('b', { data: new Float32Array(O), shape: [O] });
        await call(() => m.step());
      },
      type: Error,
      message: /parameters changed .* call zeroGradients\(\)/,
    },
    {
      name: 'trainStep while micro-batches are accumulated',
      run: async (m) => {
        await accumulateOne(m);
        await call(() => m.trainStep({ x, t }, []));
      },
      type: Error,
      message: /1 micro-batch\(es\) are accumulated: finish with/,
    },
    {
      name: 'reading the optimizer state mid-accumulation (a checkpoint)',
      run: async (m) => {
        await accumulateOne(m);
        m.optimizerState();
      },
      type: Error,
      message:
        /optimizerState: .*1 micro-batch\(es\) are accumulated but not stepped.*checkpoint at step boundaries/,
    },
    {
      name: 'restoring the optimizer state mid-accumulation',
      run: async (m) => {
        const s = m.optimizerState();
        await accumulateOne(m);
        m.setOptimizerState(s);
      },
      type: Error,
      message: /setOptimizerState: .*accumulated but not stepped/,
    },
    {
      name: 'the accumulated gradient with nothing accumulated',
      run: async (m) => {
        m.gradient('w', 'accumulated');
      },
      type: Error,
      message: /nothing is accumulated/,
    },
    {
      name: 'the accumulated gradient of an input',
      run: async (m) => {
        await accumulateOne(m);
        m.gradient('x', 'accumulated');
      },
      type: TypeError,
      message: /'x' has no accumulated gradient/,
    },
    {
      name: 'an unknown kind of gradient',
      run: async (m) => {
        m.gradient('w', 'summed' as never);
      },
      type: RangeError,
      message: /which is 'summed', expected 'current' or 'accumulated'/,
    },
  ];
  it.each(cases)('rejects $name', async ({ run, type, message }) => {
    const m = make();
    try {
      let err: unknown;
      try {
        await run(m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    } finally {
      m.dispose();
    }
  });

  it('zeroGradients starts over, and a checkpoint at the step boundary works', async () => {
    const m = make();
    try {
      await accumulateOne(m);
      m.write('b', { data: new Float32Array(O), shape: [O] });
      m.zeroGradients();
      expect(m.microBatches).toBe(0);
      await accumulateOne(m);
      await accumulateOne(m);
      expect(m.microBatches).toBe(2);
      const report = await m.step();
      expect(report.microBatches).toBe(2);
      const state = m.optimizerState();
      expect(state.params.w?.step).toBe(1);
      m.setOptimizerState(state);
    } finally {
      m.dispose();
    }
  });
});

const info = B.info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const skipReason = `SKIPPED: no CUDA device (cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}])`;
const requireGpu = process.env.DEEPSC_REQUIRE_CUDA === '1';

/** x [2,2,4,4,4] -> conv3d (pad 1) -> relu = y (seeded): only ops with CUDA kernels. */
function convNet(w: Float32Array, b: Float32Array): GraphDesc {
  return {
    items: [
      { kind: 'input', name: 'x', shape: [2, 2, 4, 4, 4] },
      { kind: 'parameter', name: 'w', shape: [3, 2, 3, 3, 3], data: w },
      { kind: 'parameter', name: 'b', shape: [3], data: b },
      { kind: 'node', op: 'conv3d', name: 'conv', attrs: { padding: 1 }, inputs: [0, 1, 2], outputs: [3] },
      { kind: 'node', op: 'relu', name: 'act', attrs: {}, inputs: [3], outputs: [4] },
    ],
    outputs: [{ name: 'y', value: 4 }],
  };
}

describe('gradient accumulation on the CUDA backend', () => {
  it('fails without a GPU only when DEEPSC_REQUIRE_CUDA=1', () => {
    if (requireGpu) expect(haveGpu, skipReason).toBe(true);
  });
  // Tolerance: conv3d sums in another order on the GPU (the op table's rtol = atol = 1e-4), so
  // sums, means and parameters are compared with rtol 1e-4 and atol 1e-4 max|cpu|.
  it.skipIf(!haveGpu)(
    haveGpu
      ? 'three micro-batches and two Adam steps match the CPU'
      : `three micro-batches match the CPU: ${skipReason}`,
    async () => {
      const r = rng(21);
      const w = randTensor([3, 2, 3, 3, 3], r).data;
      const b = randTensor([3], r).data;
      const batches = Array.from({ length: 6 }, () => ({
        x: randTensor([2, 2, 4, 4, 4], r),
        y: randTensor([2, 3, 4, 4, 4], r),
      }));
      const optimizer: NativeOptimizerConfig = {
        kind: 'adam',
        groups: [{ params: ['w', 'b'], lr: 0.01 }],
        clipGradNorm: 1,
      };
      const results: Record<string, RawTensor>[] = [];
      for (const device of ['cpu', 'cuda'] as const) {
        const m = new B.NativeModel(convNet(w, b), { device, mode: 'train', seedOutputs: ['y'], optimizer });
        const got: Record<string, RawTensor> = {};
        try {
          for (let step = 0; step < 2; step++) {
            for (let k = 0; k < 3; k++) {
              const batch = batches[step * 3 + k] as (typeof batches)[number];
              await m.forward({ x: batch.x }, []);
              await m.backward({ y: batch.y }, true);
            }
            got[`mean w ${step}`] = m.gradient('w', 'accumulated');
            got[`mean b ${step}`] = m.gradient('b', 'accumulated');
            expect((await m.step()).microBatches).toBe(3);
          }
          got.w = m.read('w');
          got.b = m.read('b');
        } finally {
          m.dispose();
        }
        results.push(got);
      }
      const [cpu, cuda] = results as [Record<string, RawTensor>, Record<string, RawTensor>];
      for (const [name, want] of Object.entries(cpu)) {
        const have = cuda[name] as RawTensor;
        let maxAbs = 0;
        for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
        const { worst, at } = closeness(have.data, want.data, 1e-4, 1e-4 * maxAbs);
        expect(
          worst,
          `${name}: worst at ${at}: cuda ${have.data[at]}, cpu ${want.data[at]}`,
        ).toBeLessThanOrEqual(1);
      }
    },
  );
});
