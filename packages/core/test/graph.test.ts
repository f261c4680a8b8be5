import { describe, expect, it } from 'vitest';
import {
  type CompiledModel,
  constant,
  cudaAvailable,
  GraphBuilder,
  kaimingNormal,
  liveTensorBytes,
  nativeMemory,
  ones,
  Tensor,
  zeros,
} from '../src/index.js';
import { mulberry32 } from '../src/random.js';

const rand = mulberry32(99);
const randomValues = (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * rand());

/**
 * x [2, 4, 3] -> group_norm(gamma, beta, 2 groups) -> h = leaky_relu(0.1);
 * y1 = sigmoid(h), y2 = softmax(h) (h has two consumers: gradient accumulation), y3 = relu(x)
 * (x has two consumers). Loss L = <w1, y1> + <w2, y2> + <w3, y3> through seeded outputs.
 */
function build() {
  const g = new GraphBuilder({ seed: 5 });
  const x = g.input('x', [2, 4, 3]);
  const norm = g.scoped('norm');
  const gamma = norm.parameter('weight', [4], constant(1));
  const beta = norm.parameter('bias', [4], zeros());
  const h = g.leakyRelu(g.groupNorm(x, gamma, beta, { groups: 2 }, 'gn'), { slope: 0.1 });
  g.output('y1', g.sigmoid(h));
  g.output('y2', g.softmax(h));
  g.output('y3', g.relu(x));
  return g.compile({ seedOutputs: ['y1', 'y2', 'y3'], inputGradients: ['x'] });
}

const xValues = randomValues(24).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v)); // away from relu's kink
const seeds = { y1: randomValues(24), y2: randomValues(24), y3: randomValues(24) };

async function loss(m: CompiledModel, x: number[]): Promise<number> {
  const xt = Tensor.from(x, [2, 4, 3]);
  const outs = await m.forward({ x: xt });
  xt.dispose();
  let l = 0;
  for (const k of ['y1', 'y2', 'y3'] as const) {
    const y = outs[k] as Tensor;
    y.data.forEach((v, i) => {
      l += v * (seeds[k][i] as number);
    });
    y.dispose();
  }
  return l;
}

describe('graph gradients', () => {
  it('match central finite differences for parameters and the input', async () => {
    const m = build();
    // Non-trivial affine parameters.
    for (const [name, values] of [
      ['norm.weight', [0.5, 1.5, -0.8, 1.2]],
      ['norm.bias', [0.1, -0.3, 0.2, 0.05]],
    ] as const) {
      const t = Tensor.from(values, [4]);
      m.setParameter(name, t);
      t.dispose();
    }
    await loss(m, xValues);
    const seedTensors = Object.fromEntries(
      Object.entries(seeds).map(([k, v]) => [k, Tensor.from(v, [2, 4, 3])]),
    );
    await m.backward(seedTensors);
    for (const t of Object.values(seedTensors)) t.dispose();
    const analytic: Record<string, number[]> = {};
    for (const n of ['norm.weight', 'norm.bias', 'x']) {
      const gt = m.gradient(n);
      analytic[n] = gt.toArray();
      gt.dispose();
    }
    const eps = 3e-3;
    const numeric = async (name: string, base: number[], i: number): Promise<number> => {
      const at = async (delta: number) => {
        const v = [...base];
        v[i] = (v[i] as number) + delta;
        if (name === 'x') return loss(m, v);
        const t = Tensor.from(v, [v.length]);
        m.setParameter(name, t);
        t.dispose();
        const l = await loss(m, xValues);
        const orig = Tensor.from(base, [base.length]);
        m.setParameter(name, orig);
        orig.dispose();
        return l;
      };
      return ((await at(eps)) - (await at(-eps))) / (2 * eps);
    };
    const bases: Record<string, number[]> = {
      'norm.weight': [0.5, 1.5, -0.8, 1.2],
      'norm.bias': [0.1, -0.3, 0.2, 0.05],
      x: xValues,
    };
    for (const [name, base] of Object.entries(bases)) {
      for (let i = 0; i < base.length; i++) {
        const n = await numeric(name, base, i);
        const a = analytic[name]?.[i] as number;
        expect(Math.abs(a - n), `${name}[${i}]: analytic ${a}, numeric ${n}`).toBeLessThanOrEqual(
          2e-3 + 2e-2 * Math.abs(n),
        );
      }
    }
    m.dispose();
  });

  it('reports parameters the loss does not reach and gives them no gradient', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 2]);
    const used = g.parameter('used', [2], ones());
    g.parameter('unused', [2], ones());
    const frozen = g.parameter('frozen', [2], ones(), { trainable: false });
    g.output('y', g.groupNorm(x, used, frozen, { groups: 1 }));
    const m = g.compile({ seedOutputs: ['y'], optimizer: { kind: 'sgd', lr: 0.1 } });
    expect(m.parametersWithoutGradient).toEqual(['unused']);
    expect(m.trainableNames).toEqual(['used', 'unused']);
    const xt = Tensor.from([1, 2, 3, 5], [1, 2, 2]);
    (await m.forward({ x: xt })).y?.dispose();
    const seed = Tensor.from([1, -1, 2, 0.5], [1, 2, 2]);
    await m.backward({ y: seed });
    m.gradient('used').dispose();
    expect(() => m.gradient('unused')).toThrow(/has no gradient/);
    expect(() => m.gradient('frozen')).toThrow(/has no gradient/);
    const report = await m.step();
    expect(report.updated).toBe(1);
    const fz = m.parameter('frozen');
    expect(fz.toArray()).toEqual([1, 1]);
    for (const t of [fz, xt, seed]) t.dispose();
    m.dispose();
  });
});

describe('builder and model errors', () => {
  const buildErrors: { name: string; make: () => unknown; type: ErrorConstructor; message: RegExp }[] = [
    {
      name: 'unknown op',
      make: () => new GraphBuilder().op('conv9d' as never, {} as never, []),
      type: TypeError,
      message: /unknown op 'conv9d' \(known: .*relu/,
    },
    {
      name: 'unknown attribute',
      make: () => {
        const g = new GraphBuilder();
        return g.leakyRelu(g.input('x', [2]), { alpha: 1 } as never);
      },
      type: TypeError,
      message: /node 'leaky_relu_1': leaky_relu: unknown attribute 'alpha'/,
    },
    {
      name: 'bad shapes for an op, named by node',
      make: () => {
        const g = new GraphBuilder();
        const x = g.input('x', [1, 3, 4]);
        return g.groupNorm(x, null, null, { groups: 2 }, 'stem_norm');
      },
      type: RangeError,
      message: /node 'stem_norm': group_norm:/,
    },
    {
      name: 'duplicate parameter name',
      make: () => {
        const g = new GraphBuilder();
        g.parameter('w', [1], zeros());
        return g.parameter('w', [2], zeros());
      },
      type: TypeError,
      message: /'w' is already used by parameter 'w'/,
    },
    {
      name: 'non-scalar loss',
      make: () => {
        const g = new GraphBuilder();
        g.loss(g.relu(g.input('x', [2])));
      },
      type: TypeError,
      message: /loss: must be a scalar/,
    },
    {
      name: 'value from another graph',
      make: () => {
        const a = new GraphBuilder();
        const b = new GraphBuilder();
        return b.relu(a.input('x', [1]));
      },
      type: TypeError,
      message: /belongs to another graph/,
    },
    {
      name: 'negative shape',
      make: () => new GraphBuilder().input('x', [1, -2]),
      type: RangeError,
      message: /shape\[1\] = -2/,
    },
    {
      name: 'kaiming init of a vector',
      make: () => {
        const g = new GraphBuilder();
        g.output('w', g.relu(g.parameter('w', [3], kaimingNormal())));
        return g.compile();
      },
      type: RangeError,
      message: /at least 2 dimensions/,
    },
    {
      name: 'train mode without loss or seeds',
      make: () => {
        const g = new GraphBuilder();
        g.output('y', g.relu(g.input('x', [1])));
        return g.compile({ mode: 'train' });
      },
      type: TypeError,
      message: /needs a loss/,
    },
    {
      name: 'unknown input gradient',
      make: () => {
        const g = new GraphBuilder();
        g.output('y', g.relu(g.input('x', [1])));
        return g.compile({ seedOutputs: ['y'], inputGradients: ['z'] });
      },
      type: TypeError,
      message: /inputGradients names 'z'/,
    },
  ];
  it.each(buildErrors)('rejects $name', ({ make, type, message }) => {
    let err: unknown;
    try {
      make();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });

  it.skipIf(cudaAvailable())("rejects device 'cuda' where it cannot run (no CUDA build or no GPU)", () => {
    const g = new GraphBuilder();
    g.output('y', g.relu(g.input('x', [1])));
    expect(() => g.compile({ device: 'cuda' })).toThrow(/device 'cuda' is not available/);
  });

  it.runIf(cudaAvailable())("compiles and runs on device 'cuda' where a GPU is visible", async () => {
    const g = new GraphBuilder();
    g.output('y', g.relu(g.input('x', [3])));
    const m = g.compile({ device: 'cuda' });
    expect(m.device).toBe('cuda');
    const out = await m.forward({ x: Tensor.from([-1, 0, 2], [3]) });
    expect(Array.from(out.y?.data ?? [])).toEqual([0, 0, 2]);
    m.dispose();
  });

  function relu2(): CompiledModel {
    const g = new GraphBuilder();
    g.output('y', g.relu(g.relu(g.input('x', [2, 3]))));
    return g.compile();
  }

  const runErrors: {
    name: string;
    run: (m: CompiledModel) => Promise<unknown>;
    type: ErrorConstructor;
    message: RegExp;
  }[] = [
    {
      name: 'missing input',
      run: (m) => m.forward({}),
      type: TypeError,
      message: /input 'x' \[2, 3\] is missing/,
    },
    {
      name: 'wrong input shape',
      run: async (m) => m.forward({ x: Tensor.zeros([3, 2]) }),
      type: TypeError,
      message: /input 'x' has shape \[3, 2\], the graph expects \[2, 3\]/,
    },
    {
      name: 'unknown input',
      run: async (m) => m.forward({ x: Tensor.zeros([2, 3]), z: Tensor.zeros([1]) }),
      type: TypeError,
      message: /'z' is not an input of the graph \(inputs: x\)/,
    },
    {
      name: 'disposed input tensor',
      run: async (m) => {
        const t = Tensor.zeros([2, 3]);
        t.dispose();
        return m.forward({ x: t });
      },
      type: Error,
      message: /tensor 'x' \[2, 3\] was disposed/,
    },
    {
      name: 'non-finite input with checkFinite',
      run: async (m) =>
        m.forward({ x: Tensor.from([0, 1, Number.NaN, 3, 4, 5], [2, 3]) }, { checkFinite: true }),
      type: RangeError,
      message: /non-finite value \(nan\) at flat index 2/,
    },
    {
      name: 'unknown output',
      run: async (m) => m.forward({ x: Tensor.zeros([2, 3]) }, { outputs: ['q'] }),
      type: TypeError,
      message: /'q' is not an output/,
    },
    {
      name: 'backward in an infer model',
      run: (m) => m.backward(),
      type: Error,
      message: /compiled with mode 'infer'/,
    },
    {
      name: 'use after dispose',
      run: async (m) => {
        m.dispose();
        return m.forward({ x: Tensor.zeros([2, 3]) });
      },
      type: Error,
      message: /the model was disposed/,
    },
  ];
  it.each(runErrors)('rejects $name', async ({ run, type, message }) => {
    const m = relu2();
    const err = await run(m).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    m.dispose();
  });

  it('rejects a concurrent run on the same model, and on a model sharing its parameters', async () => {
    const g = new GraphBuilder();
    const w = g.parameter('w', [64, 64, 16], ones());
    const x = g.input('x', [64, 64, 16]);
    g.output('y', g.sigmoid(g.softmax(g.groupNorm(g.relu(x), null, null, { groups: 4 }))));
    g.output('w', g.relu(w));
    const m = g.compile();
    const other = g.compile({ shareParametersWith: m });
    const xt = Tensor.zeros([64, 64, 16]);
    const first = m.forward({ x: xt });
    expect(m.busy).toBe(true);
    await expect(m.forward({ x: xt })).rejects.toThrow(/the model is busy/);
    await expect(other.forward({ x: xt })).rejects.toThrow(/the model is busy/);
    expect(() => m.parameter('w')).toThrow(/busy/);
    const out = await first;
    expect(m.busy).toBe(false);
    for (const t of Object.values(out)) t.dispose();
    // Sharing: a write through one model is seen by the other.
    const w2 = Tensor.full([64, 64, 16], 2);
    m.setParameter('w', w2);
    const seen = other.parameter('w');
    expect(seen.data[123]).toBe(2);
    for (const t of [w2, seen, xt]) t.dispose();
    m.dispose();
    other.dispose();
  });

  it('releases all native memory on dispose', async () => {
    const before = nativeMemory();
    const g = new GraphBuilder();
    g.output('y', g.relu(g.parameter('w', [10, 10], ones())));
    const m = g.compile({ seedOutputs: ['y'], optimizer: { kind: 'adam' } });
    const during = nativeMemory();
    expect(during.arenas - before.arenas).toBe(m.memory.arenaBytes);
    expect(during.persistent - before.persistent).toBe(400);
    expect(during.optimizer - before.optimizer).toBe(800); // exp_avg and exp_avg_sq
    const out = await m.forward({});
    out.y?.dispose();
    m.dispose();
    const after = nativeMemory();
    expect(after.arenas).toBe(before.arenas);
    expect(after.persistent).toBe(before.persistent);
    expect(after.optimizer).toBe(before.optimizer);
    // Tensors leaked by earlier tests may be collected meanwhile: never more than before.
    expect(liveTensorBytes()).toBeLessThanOrEqual(before.tensors);
  });
});
