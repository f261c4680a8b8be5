import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CompiledModel,
  GraphBuilder,
  type OptimizerConfig,
  type StepReport,
  Tensor,
  zeros,
} from '../src/index.js';

/**
 * Parameters a [3] and b [2, 2] pass through relu to two seeded outputs, so with positive
 * parameters the gradient that backward() produces is exactly the seed we give.
 */
function model(opt: OptimizerConfig, a0: number[], b0: number[]): CompiledModel {
  const g = new GraphBuilder();
  g.output('ya', g.relu(g.parameter('a', [3], zeros())));
  g.output('yb', g.relu(g.parameter('b', [2, 2], zeros())));
  const m = g.compile({ seedOutputs: ['ya', 'yb'], optimizer: opt });
  set(m, 'a', a0, [3]);
  set(m, 'b', b0, [2, 2]);
  return m;
}

function set(m: CompiledModel, name: string, values: number[], shape: number[]) {
  const t = Tensor.from(values, shape);
  m.setParameter(name, t);
  t.dispose();
}

function read(m: CompiledModel, name: string): number[] {
  const t = m.parameter(name);
  const v = t.toArray();
  t.dispose();
  return v;
}

async function stepWith(m: CompiledModel, ga: number[], gb: number[]): Promise<StepReport> {
  const outs = await m.forward({});
  for (const t of Object.values(outs)) t.dispose();
  const sa = Tensor.from(ga, [3]);
  const sb = Tensor.from(gb, [2, 2]);
  await m.backward({ ya: sa, yb: sb });
  sa.dispose();
  sb.dispose();
  return m.step();
}

const close = (actual: number[], expected: number[], atol: number) => {
  expect(actual.length).toBe(expected.length);
  for (const [i, a] of actual.entries()) {
    expect(Math.abs(a - (expected[i] as number)), `element ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(
      atol,
    );
  }
};

describe('optimizers against hand-computed steps', () => {
  // Parameter a = [1, 1, 1] (b fixed by lr 0 group), gradient 1 at each of two steps.
  const cases: { name: string; opt: OptimizerConfig; after: [number, number] }[] = [
    { name: 'SGD', opt: { kind: 'sgd', lr: 0.1 }, after: [0.9, 0.8] },
    // buf = 1, p = 0.9; buf = 0.9 + 1 = 1.9, p = 0.9 - 0.19
    { name: 'SGD momentum', opt: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, after: [0.9, 0.71] },
    // d = 1 + 0.9 * 1 = 1.9, p = 0.81; buf = 1.9, d = 1 + 0.9 * 1.9 = 2.71, p = 0.539
    {
      name: 'SGD Nesterov',
      opt: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
      after: [0.81, 0.539],
    },
    // d = 1 + 0.1 * 1 = 1.1, p = 0.89; d = 1 + 0.089, p = 0.7811
    { name: 'SGD weight decay', opt: { kind: 'sgd', lr: 0.1, weightDecay: 0.1 }, after: [0.89, 0.7811] },
    // dampening 0.5: buf = 1 (first step: the gradient itself), p = 0.9; buf = 0.9 + 0.5 = 1.4, p = 0.76
    {
      name: 'SGD dampening',
      opt: { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.5 },
      after: [0.9, 0.76],
    },
    // constant gradient: bias-corrected m = 1, v = 1, so each step moves lr / (1 + eps)
    { name: 'Adam', opt: { kind: 'adam', lr: 0.1 }, after: [0.9, 0.8] },
    // decoupled: p *= 1 - 0.1 * 0.5, then the Adam step of 0.1: 0.85; 0.85 * 0.95 - 0.1 = 0.7075
    { name: 'AdamW', opt: { kind: 'adamw', lr: 0.1, weightDecay: 0.5 }, after: [0.85, 0.7075] },
  ];
  it.each(cases)('$name', async ({ opt, after }) => {
    const m = model({ ...opt, groups: [{ params: ['b'], lr: 0 }] }, [1, 1, 1], [5, 5, 5, 5]);
    for (const expected of after) {
      const r = await stepWith(m, [1, 1, 1], [1, 1, 1, 1]);
      expect(r.updated).toBe(2);
      close(read(m, 'a'), [expected, expected, expected], 1e-6);
    }
    close(read(m, 'b'), [5, 5, 5, 5], 0); // its group has lr 0 (and no decay)
    m.dispose();
  });

  it('clips the global gradient norm (clip_grad_norm_)', async () => {
    const m = model({ kind: 'sgd', lr: 1, clipGradNorm: 1 }, [10, 10, 10], [10, 10, 10, 10]);
    const r = await stepWith(m, [3, 0, 0], [4, 0, 0, 0]); // global norm 5
    expect(r.gradNorm).toBeCloseTo(5, 6);
    expect(r.clipScale).toBeCloseTo(1 / (5 + 1e-6), 9);
    close(read(m, 'a'), [10 - 0.6, 10, 10], 1e-5);
    close(read(m, 'b'), [10 - 0.8, 10, 10, 10], 1e-5);
    const r2 = await stepWith(m, [0.3, 0, 0], [0.4, 0, 0, 0]); // norm 0.5: below the limit, untouched
    expect(r2.clipScale).toBe(1);
    close(read(m, 'a'), [10 - 0.9, 10, 10], 1e-5);
    m.dispose();
  });

  it('sets learning rates per group and for all groups (schedules)', async () => {
    const m = model({ kind: 'sgd', lr: 0.1, groups: [{ params: ['a'], lr: 0.5 }] }, [1, 1, 1], [1, 1, 1, 1]);
    expect(m.learningRates()).toEqual([0.5, 0.1]);
    m.setLearningRate(0.25, 0);
    expect(m.learningRates()).toEqual([0.25, 0.1]);
    await stepWith(m, [1, 1, 1], [1, 1, 1, 1]);
    close(read(m, 'a'), [0.75, 0.75, 0.75], 1e-6);
    close(read(m, 'b'), [0.9, 0.9, 0.9, 0.9], 1e-6);
    m.setLearningRate(0.01);
    expect(m.learningRates()).toEqual([0.01, 0.01]);
    expect(() => m.setLearningRate(0.1, 2)).toThrow(RangeError);
    expect(() => m.setLearningRate(-1, 0)).toThrow(/lr = -1/);
    m.dispose();
  });

  it('resumes exactly from saved optimizer state', async () => {
    const opt: OptimizerConfig = { kind: 'adam', lr: 0.05, weightDecay: 0.01 };
    const grads = [0, 1, 2, 3, 4].map(
      (k) =>
        [
          [0.3 * k - 0.5, 0.2, -0.7 + 0.1 * k],
          [0.1 * k, -0.4, 0.5, -0.2 * k],
        ] as const,
    );
    const a = model(opt, [2, 3, 4], [2, 3, 4, 5]);
    for (const [ga, gb] of grads.slice(0, 3)) await stepWith(a, [...ga], [...gb]);
    const saved = a.optimizerState();
    expect(saved.params.a?.step).toBe(3);
    expect(Object.keys(saved.params.a?.buffers ?? {})).toEqual(['exp_avg', 'exp_avg_sq']);
    const b = model(opt, read(a, 'a'), read(a, 'b'));
    b.setOptimizerState(saved);
    for (const [ga, gb] of grads.slice(3)) {
      await stepWith(a, [...ga], [...gb]);
      await stepWith(b, [...ga], [...gb]);
    }
    expect(read(b, 'a')).toEqual(read(a, 'a')); // bit-identical
    expect(read(b, 'b')).toEqual(read(a, 'b'));
    const wrongKind = model({ kind: 'sgd', lr: 0.1, momentum: 0.9 }, [1, 1, 1], [1, 1, 1, 1]);
    expect(() => wrongKind.setOptimizerState(saved)).toThrow(/state is for 'adam'/);
    for (const m of [a, b, wrongKind]) m.dispose();
  });

  const configErrors: { name: string; opt: OptimizerConfig; type: ErrorConstructor; message: RegExp }[] = [
    { name: 'SGD without lr', opt: { kind: 'sgd' }, type: RangeError, message: /needs a learning rate/ },
    {
      name: 'Nesterov with dampening',
      opt: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1 },
      type: RangeError,
      message: /Nesterov/,
    },
    {
      name: 'Nesterov without momentum',
      opt: { kind: 'sgd', lr: 0.1, nesterov: true },
      type: RangeError,
      message: /Nesterov/,
    },
    {
      name: 'momentum 1',
      opt: { kind: 'sgd', lr: 0.1, momentum: 1 },
      type: RangeError,
      message: /momentum = 1/,
    },
    { name: 'beta 1', opt: { kind: 'adam', betas: [0.9, 1] }, type: RangeError, message: /betas\[1\]/ },
    { name: 'eps 0', opt: { kind: 'adam', eps: 0 }, type: RangeError, message: /eps/ },
    {
      name: 'negative clip',
      opt: { kind: 'adam', clipGradNorm: -1 },
      type: RangeError,
      message: /clipGradNorm/,
    },
    {
      name: 'unknown kind',
      opt: { kind: 'rmsprop' as never },
      type: RangeError,
      message: /expected 'sgd', 'adam' or 'adamw'/,
    },
    {
      name: 'unknown parameter',
      opt: { kind: 'adam', groups: [{ params: ['nope'] }] },
      type: TypeError,
      message: /'nope', which is not a trainable/,
    },
    {
      name: 'empty group',
      opt: { kind: 'adam', groups: [{ params: () => false }] },
      type: TypeError,
      message: /selects no trainable/,
    },
  ];
  it.each(configErrors)('rejects $name', ({ opt, type, message }) => {
    expect(() => model(opt, [1, 1, 1], [1, 1, 1, 1])).toThrow(type);
    expect(() => model(opt, [1, 1, 1], [1, 1, 1, 1])).toThrow(message);
  });

  it('refuses a step without fresh gradients', async () => {
    const m = model({ kind: 'sgd', lr: 0.1 }, [1, 1, 1], [1, 1, 1, 1]);
    await expect(m.step()).rejects.toThrow(/needs gradients/);
    await stepWith(m, [1, 1, 1], [1, 1, 1, 1]);
    await expect(m.step()).rejects.toThrow(/needs gradients/); // one step per backward
    m.dispose();
  });
});

interface Fixture {
  a0: number[];
  b0: number[][];
  grads: { a: number[]; b: number[][] }[];
  cases: {
    name: string;
    kind: 'sgd' | 'adam' | 'adamw';
    groups: {
      lr: number;
      momentum?: number;
      dampening?: number;
      nesterov?: boolean;
      weight_decay?: number;
      betas?: [number, number];
      eps?: number;
      params?: string[];
    }[];
    clip?: number;
    trajectory: { a: number[]; b: number[][] }[];
    gradNorms: number[];
  }[];
}

describe('optimizers against PyTorch (fixtures/make_fixtures.py)', () => {
  const fx = JSON.parse(
    readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8'),
  ) as Fixture;
  it.each(fx.cases)('$name', async (c) => {
    const opt: OptimizerConfig = {
      kind: c.kind,
      ...(c.clip !== undefined ? { clipGradNorm: c.clip } : {}),
      groups: c.groups.map((g) => ({
        params: g.params ?? ['a', 'b'],
        lr: g.lr,
        ...(g.momentum !== undefined ? { momentum: g.momentum } : {}),
        ...(g.dampening !== undefined ? { dampening: g.dampening } : {}),
        ...(g.nesterov !== undefined ? { nesterov: g.nesterov } : {}),
        ...(g.weight_decay !== undefined ? { weightDecay: g.weight_decay } : {}),
        ...(g.betas !== undefined ? { betas: g.betas } : {}),
        ...(g.eps !== undefined ? { eps: g.eps } : {}),
      })),
    };
    const m = model(opt, fx.a0, fx.b0.flat());
    for (const [k, g] of fx.grads.entries()) {
      const r = await stepWith(m, g.a, g.b.flat());
      const want = c.trajectory[k] as { a: number[]; b: number[][] };
      close(read(m, 'a'), want.a, 2e-6);
      close(read(m, 'b'), want.b.flat(), 2e-6);
      if (c.gradNorms.length) expect(r.gradNorm).toBeCloseTo(c.gradNorms[k] as number, 5);
    }
    m.dispose();
  });
});
