import { describe, expect, it } from 'vitest';
import {
  type CompiledModel,
  GraphBuilder,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  Tensor,
} from '../src/index.js';
import { mulberry32 } from '../src/random.js';

/**
 * A two-layer classifier whose scalar loss is built in the graph, the way the task-aware loss
 * is: cross-entropy (class weights 0.5, 1, 1) + 2 x focal (gamma 2), then backward() seeds it with 1.
 */
function classifier(seed: number) {
  const g = new GraphBuilder({ seed });
  const x = g.input('x', [12, 5]);
  const t = g.input('target', [12]);
  const fc1 = g.scoped('fc1');
  const fc2 = g.scoped('fc2');
  const h = g.relu(
    g.linear(
      x,
      fc1.parameter('weight', [8, 5], pytorchDefaultWeight()),
      fc1.parameter('bias', [8], pytorchDefaultBias([8, 5])),
    ),
  );
  const logits = g.linear(
    h,
    fc2.parameter('weight', [3, 8], pytorchDefaultWeight()),
    fc2.parameter('bias', [3], pytorchDefaultBias([3, 8])),
  );
  const ce = g.crossEntropy(logits, t, null, { class_weights: [0.5, 1, 1] });
  const focal = g.focal(logits, t, null, { gamma: 2 });
  g.loss(g.add(ce, g.mulScalar(focal, 2), 'total'));
  g.output('logits', logits);
  return g;
}

const rand = mulberry32(21);
const xs = Array.from({ length: 60 }, () => rand() * 2 - 1);
// Labels from a fixed rule on the features, so they can be learnt.
const labels = Array.from({ length: 12 }, (_, i) => {
  const r = xs.slice(5 * i, 5 * i + 5);
  const s = (r[0] as number) + (r[1] as number) - (r[2] as number);
  return s > 0.3 ? 2 : s < -0.3 ? 0 : 1;
});

async function lossOf(m: CompiledModel, x: Tensor, t: Tensor): Promise<number> {
  const out = await m.forward({ x, target: t }, { outputs: ['loss'] });
  const l = out.loss?.data[0] as number;
  out.loss?.dispose();
  return l;
}

describe('graphs with a scalar loss', () => {
  it('train with trainStep: the loss falls', async () => {
    const m = classifier(1).compile({ optimizer: { kind: 'adam', lr: 0.02, clipGradNorm: 10 } });
    expect(m.mode).toBe('train');
    expect(m.outputs).toEqual({ loss: [1], logits: [12, 3] });
    expect(m.inputs).toEqual({ x: [12, 5], target: [12] });
    const x = Tensor.from(xs, [12, 5]);
    const t = Tensor.from(labels, [12]);
    const first = await lossOf(m, x, t);
    let last = first;
    for (let i = 0; i < 200; i++) {
      const { outputs, report } = await m.trainStep({ x, target: t }, { outputs: ['loss'] });
      last = outputs.loss?.data[0] as number;
      outputs.loss?.dispose();
      expect(report.updated).toBe(4);
      expect(report.gradNorm).toBeGreaterThan(0);
    }
    expect(last).toBeLessThan(first / 5);
    for (const v of [x, t]) v.dispose();
    m.dispose();
  });

  it('backward of the loss matches finite differences of the loss', async () => {
    const m = classifier(2).compile();
    const x = Tensor.from(xs, [12, 5]);
    const t = Tensor.from(labels, [12]);
    await lossOf(m, x, t);
    await m.backward();
    const names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
    const grads = new Map(names.map((n) => [n, m.gradient(n)]));
    const eps = 1e-3;
    for (const name of names) {
      const g = grads.get(name) as Tensor;
      for (const i of [0, 2, Math.floor(g.size / 2), g.size - 1]) {
        const at = async (delta: number) => {
          const p = m.parameter(name);
          const orig = p.clone();
          p.data[i] = (p.data[i] as number) + delta;
          m.setParameter(name, p);
          const l = await lossOf(m, x, t);
          m.setParameter(name, orig);
          p.dispose();
          orig.dispose();
          return l;
        };
        const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
        const analytic = g.data[i] as number;
        expect(
          Math.abs(analytic - numeric),
          `${name}[${i}]: analytic ${analytic}, numeric ${numeric}`,
        ).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(numeric));
      }
      g.dispose();
    }
    for (const v of [x, t]) v.dispose();
    m.dispose();
  });

  it('compiles an inference graph beside the training graph, sharing the weights', async () => {
    const train = classifier(3).compile({ optimizer: { kind: 'sgd', lr: 0.5 } });
    const g = classifier(99); // other seed: its own initial values are ignored when shared
    const infer = g.compile({ mode: 'infer', shareParametersWith: train });
    expect(infer.memory.arenaBytes).toBeLessThan(train.memory.arenaBytes);
    const x = Tensor.from(xs, [12, 5]);
    const t = Tensor.from(labels, [12]);
    const before = await lossOf(infer, x, t);
    expect(before).toBe(await lossOf(train, x, t));
    const r = await train.trainStep({ x, target: t });
    for (const v of Object.values(r.outputs)) v.dispose();
    const after = await lossOf(infer, x, t);
    expect(after).not.toBe(before); // the step changed the shared weights
    expect(after).toBe(await lossOf(train, x, t));
    for (const v of [x, t]) v.dispose();
    infer.dispose();
    train.dispose();
  });
});
