/**
 * Plugin ops (native/include/deepsc/plugin.h) inside compiled graphs: the same numbers as the
 * eager calls forward and backward, the executor's liveness and in-place planning following
 * what the plugin declares (bitwise neutral), a kernel error rejecting the call while the model
 * stays usable, and training through plugin ops. The test plugins are built once by
 * native/test/fixtures/plugins/build.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backward, forward, loadBinding, type RawTensor } from '@deepsc/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CompiledModel,
  type CompileOptions,
  constant,
  GraphBuilder,
  loadOpLibrary,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  Tensor,
} from '../src/index.js';

// The engine's test plugins, built by native's fixture (outside this package's sources, so
// imported by URL rather than checked by this package's tsc).
const fixture = new URL('../../../native/test/fixtures/plugins/build.ts', import.meta.url).href;

const dir = mkdtempSync(join(tmpdir(), 'deepsc-plugin-graph-'));
beforeAll(async () => {
  const { buildTestPlugins } = (await import(fixture)) as {
    buildTestPlugins: () => { good: string; throwing: string };
  };
  const libs = buildTestPlugins();
  loadOpLibrary(libs.good);
  loadOpLibrary(libs.throwing);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const X = [0.3, -0.7, 1.1, 0.05, -1.3, 0.9, -0.2, 0.6, -0.4, 1.4];
const T = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0];

/** x [2, 5] -> t_pair -> (p0, p1); s = t_shift(p0); a = t_axpb(s, b) with a = 0.5; loss = mse(a, t). */
function graph(options: CompileOptions = {}) {
  const g = new GraphBuilder({ seed: 1 });
  const x = g.input('x', [2, 5]);
  const b = g.parameter('b', [1], constant(0.25));
  const [p0, p1] = g.op('t_pair', {}, [x], { name: 'pair' });
  const [s] = g.op('t_shift', {}, [p0 ?? null], { name: 'shift' });
  const [a] = g.op('t_axpb', { a: 0.5, mode: 'plain' }, [s ?? null, b], { name: 'axpb' });
  const [loss] = g.op('mse', {}, [a ?? null, g.input('t', [2, 5]), null], { name: 'mse' });
  g.output('a', a as never);
  g.output('p1', p1 as never);
  g.loss(loss as never);
  return g.compile({ inputGradients: ['x'], optimizer: { kind: 'sgd', lr: 0.1 }, ...options });
}

const raw = (d: number[]): RawTensor => ({ data: Float32Array.from(d), shape: [2, 5] });

describe('plugin ops in a compiled graph', () => {
  it('give the eager results forward and backward, under every memory plan', async () => {
    // The eager chain.
    const x = raw(X);
    const bias: RawTensor = { data: Float32Array.from([0.25]), shape: [1] };
    const [p0, p1] = forward('t_pair', {}, [x]) as [RawTensor, RawTensor];
    const [s] = forward('t_shift', {}, [p0]) as [RawTensor];
    const [a] = forward('t_axpb', { a: 0.5 }, [s, bias]) as [RawTensor];
    const t = raw(T);
    const [l] = forward('mse', {}, [a, t, null]) as [RawTensor];
    const [ga] = backward(
      'mse',
      {},
      [a, t, null],
      [l],
      [{ data: Float32Array.from([1]), shape: [1] }],
      [true, false, false],
    ) as [RawTensor];
    const [gs, gb] = backward('t_axpb', { a: 0.5 }, [s, bias], [a], [ga], [true, true]) as [
      RawTensor,
      RawTensor,
    ];
    const [gp0] = backward('t_shift', {}, [p0], [s], [gs], [true]) as [RawTensor];
    const zero = { data: new Float32Array(10), shape: [2, 5] };
    const [gx] = backward('t_pair', {}, [x], [p0, p1], [gp0, zero], [true]) as [RawTensor];

    const plans: CompileOptions[] = [
      {},
      { inPlace: false },
      { declaredReads: false },
      { reuse: 'none' } as never,
    ];
    for (const plan of plans) {
      const m = graph(plan);
      const out = await m.forward(
        { x: Tensor.from(X, [2, 5]), t: Tensor.from(T, [2, 5]) },
        { outputs: ['a', 'p1'] },
      );
      expect([...(out.a?.data ?? [])], JSON.stringify(plan)).toEqual([...a.data]);
      expect(out.p1?.data).toEqual(p1.data);
      await m.backward();
      expect(m.gradient('x').data, JSON.stringify(plan)).toEqual(gx.data);
      expect(m.gradient('b').data).toEqual(gb.data);
      // t_shift declares itself in place over x; its input p0 dies there only because t_pair's
      // backward declares that it reads x, not its outputs.
      if (Object.keys(plan).length === 0) expect(m.memory.inPlaceNodes).toEqual(['shift']);
      if (plan.inPlace === false || plan.declaredReads === false) expect(m.memory.inPlaceNodes).toEqual([]);
      m.dispose();
    }
  });

  it('a kernel error rejects the call naming the node, and the model stays usable', async () => {
    const g = new GraphBuilder({ seed: 1 });
    const x = g.input('x', [3]);
    const [y] = g.op('t_fail', { limit: 2 }, [x], { name: 'guard' });
    g.output('y', y as never);
    const m = g.compile({ mode: 'infer' });
    await expect(m.forward({ x: Tensor.from([1, 5, 0], [3]) })).rejects.toThrow(
      new RangeError('t_fail: x[1] = 5 exceeds the limit 2'),
    );
    const ok = await m.forward({ x: Tensor.from([1, 1.5, 0], [3]) });
    expect(ok.y?.data).toEqual(Float32Array.from([1, 1.5, 0]));
    m.dispose();
  });

  it('bad attributes and arity fail at g.op naming the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [3]);
    expect(() => g.op('t_axpb', { a: 1, alpha: 2 }, [x, null], { name: 'n1' })).toThrow(
      new TypeError("node 'n1': t_axpb: unknown attribute 'alpha' (known: a, mode, k, flag, dims, weights)"),
    );
    expect(() => g.op('t_axpb', { a: 1 }, [x], { name: 'n2' })).toThrow(
      /node 'n2': t_axpb: expected 2 inputs \(x, b\?\), got 1/,
    );
    expect(() => g.op('t_nope', {}, [x], { name: 'n3' })).toThrow(
      /node 'n3': op: unknown op 't_nope'.*from plugins: t_axpb/,
    );
  });

  it('trains through plugin ops: the loss falls', async () => {
    const m = graph();
    const x = Tensor.from(X, [2, 5]);
    const t = Tensor.from(T, [2, 5]);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const { outputs } = await m.trainStep({ x, t }, { outputs: ['loss'] });
      losses.push(outputs.loss?.data[0] as number);
      outputs.loss?.dispose();
    }
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) * 0.9);
    m.dispose();
  });
});

/**
 * A network with parameters around the plugin ops: x [4, 5] -> linear -> t_pair -> t_shift ->
 * t_axpb(., b) -> linear -> mse. Plugin nodes sit in segment `act` (for recompute).
 */
function network(options: CompileOptions = {}, seed = 7): CompiledModel {
  const g = new GraphBuilder({ seed });
  const x = g.input('x', [4, 5]);
  const w1 = g.parameter('fc1.weight', [6, 5], pytorchDefaultWeight());
  const b1 = g.parameter('fc1.bias', [6], pytorchDefaultBias([6, 5]));
  const b = g.parameter('act.b', [1], constant(0.1));
  const w2 = g.parameter('fc2.weight', [3, 6], pytorchDefaultWeight());
  const [h] = g.op('linear', {}, [x, w1, b1], { name: 'fc1' });
  const [p0] = g.op('t_pair', {}, [h ?? null], { name: 'act.pair' });
  const [s] = g.op('t_shift', {}, [p0 ?? null], { name: 'act.shift' });
  const [a] = g.op('t_axpb', { a: 0.5, mode: 'double' }, [s ?? null, b], { name: 'act.axpb' });
  const [y] = g.op('linear', {}, [a ?? null, w2, null], { name: 'fc2' });
  const [loss] = g.op('mse', {}, [y ?? null, g.input('t', [4, 3]), null], { name: 'mse' });
  g.loss(loss as never);
  return g.compile({ optimizer: { kind: 'adam', lr: 0.01 }, ...options });
}

const batch = (k: number) => ({
  x: Tensor.from(
    Array.from({ length: 20 }, (_, i) => Math.sin(0.7 * i + k)),
    [4, 5],
  ),
  t: Tensor.from(
    Array.from({ length: 12 }, (_, i) => Math.cos(0.3 * i - k)),
    [4, 3],
  ),
});

async function train(m: CompiledModel, from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let k = from; k < to; k++) {
    const { x, t } = batch(k);
    const { outputs } = await m.trainStep({ x, t }, { outputs: ['loss'] });
    losses.push(outputs.loss?.data[0] as number);
    for (const v of [x, t, ...Object.values(outputs)]) v.dispose();
  }
  return losses;
}

/** Every parameter's bits. */
function weights(m: CompiledModel): Record<string, Buffer> {
  const dict = m.stateDict();
  const r = Object.fromEntries(Object.entries(dict).map(([n, t]) => [n, Buffer.from(t.data.slice().buffer)]));
  for (const t of Object.values(dict)) t.dispose();
  return r;
}

describe('a network with plugin ops, as a built-in network', () => {
  it('a safetensors checkpoint and a resumed training give bitwise the uninterrupted run', async () => {
    const whole = network();
    const wholeLosses = await train(whole, 0, 6);
    const first = network();
    const firstLosses = await train(first, 0, 3);
    const path = join(dir, 'plugin-net.safetensors');
    await first.save(path);
    const state = first.optimizerState();
    first.dispose();
    // A fresh model (other initial weights), then the checkpoint and the optimizer's state.
    const resumed = network({}, 99);
    const initial = network();
    expect(weights(resumed)['fc1.weight']).not.toEqual(weights(initial)['fc1.weight']);
    initial.dispose();
    await resumed.load(path);
    resumed.setOptimizerState(state);
    const restLosses = await train(resumed, 3, 6);
    expect([...firstLosses, ...restLosses]).toEqual(wholeLosses);
    expect(weights(resumed)).toEqual(weights(whole));
    expect(Object.keys(weights(whole)).sort()).toEqual(['act.b', 'fc1.bias', 'fc1.weight', 'fc2.weight']);
    for (const m of [whole, resumed]) m.dispose();
  });

  it('recomputing the plugin nodes in the backward pass changes no bit', async () => {
    const plain = network();
    const recomputed = network({ recompute: ['act'] });
    expect(recomputed.memory.recomputedNodes).toEqual(['act.pair', 'act.shift', 'act.axpb']);
    expect(plain.memory.recomputedNodes).toEqual([]);
    expect(await train(recomputed, 0, 4)).toEqual(await train(plain, 0, 4));
    expect(weights(recomputed)).toEqual(weights(plain));
    for (const m of [plain, recomputed]) m.dispose();
  });

  it('training is bitwise the same on 1 and 3 threads (the plugin ops are flagged deterministic)', async () => {
    const binding = loadBinding();
    const before = binding.info().threads;
    const runs: { losses: number[]; weights: Record<string, Buffer> }[] = [];
    try {
      for (const n of [1, 3]) {
        binding.setNumThreads(n);
        const m = network();
        runs.push({ losses: await train(m, 0, 4), weights: weights(m) });
        m.dispose();
      }
    } finally {
      binding.setNumThreads(before);
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  it('a kernel that throws in a training step rejects it, and the model and the process go on', async () => {
    const g = new GraphBuilder({ seed: 1 });
    const x = g.input('x', [3]);
    const w = g.parameter('w', [3], constant(0.5));
    const [xw] = g.op('mul', {}, [x, w], { name: 'mul' });
    const [y] = g.op('t_throw', {}, [xw ?? null], { name: 'bad' });
    const [loss] = g.op('mse', {}, [y ?? null, g.input('t', [3]), null], { name: 'mse' });
    g.loss(loss as never);
    const m = g.compile({ optimizer: { kind: 'sgd', lr: 0.1 } });
    const inputs = { x: Tensor.from([1, 2, 3], [3]), t: Tensor.from([0, 0, 0], [3]) };
    for (let i = 0; i < 2; i++)
      await expect(m.trainStep(inputs)).rejects.toThrow(
        /t_throw: cpu_forward threw a C\+\+ exception.*libthrowing\.so/,
      );
    const w1 = m.parameter('w');
    expect(w1.data).toEqual(Float32Array.from([0.5, 0.5, 0.5])); // no half step
    w1.dispose();
    m.dispose();
    // A healthy network still trains in this process.
    const ok = network();
    const losses = await train(ok, 0, 3);
    expect(losses.every(Number.isFinite)).toBe(true);
    ok.dispose();
    for (const t of Object.values(inputs)) t.dispose();
  });
});
