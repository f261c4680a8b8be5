import { describe, expect, it } from 'vitest';
import {
  type CompiledModel,
  GraphBuilder,
  ones,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  Tensor,
  zeros,
} from '../src/index.js';
import { mulberry32 } from '../src/random.js';

/**
 * A tiny 3D conv net: conv3d(1 -> 4, 3^3, padding 1) -> group_norm(2) -> relu -> conv3d(4 -> 1, 1^3).
 * The loss 0.5 ||y - target||^2 is computed here and its gradient (y - target) seeded into
 * backward(), so the test does not depend on loss ops.
 */
function tinyNet(seed: number) {
  const g = new GraphBuilder({ seed });
  const x = g.input('x', [1, 1, 4, 4, 4]);
  const c1 = g.scoped('conv1');
  const w1 = c1.parameter('weight', [4, 1, 3, 3, 3], pytorchDefaultWeight());
  const b1 = c1.parameter('bias', [4], pytorchDefaultBias([4, 1, 3, 3, 3]));
  const n = g.scoped('norm');
  const h = g.relu(
    g.groupNorm(
      g.conv3d(x, w1, b1, { padding: 1 }),
      n.parameter('weight', [4], ones()),
      n.parameter('bias', [4], zeros()),
      { groups: 2 },
    ),
  );
  const c2 = g.scoped('conv2');
  const y = g.conv3d(
    h,
    c2.parameter('weight', [1, 4, 1, 1, 1], pytorchDefaultWeight()),
    c2.parameter('bias', [1], zeros()),
  );
  g.output('y', y);
  return g;
}

const rand = mulberry32(11);
const xs = Array.from({ length: 64 }, () => rand() * 2 - 1);
const target = xs.map((v, i) => Math.tanh(2 * v) + (i % 4 === 0 ? 0.5 : 0));

async function lossAndSeed(m: CompiledModel, x: Tensor): Promise<{ loss: number; seed: Tensor }> {
  const out = await m.forward({ x });
  const y = out.y as Tensor;
  const seed = Tensor.zeros([1, 1, 4, 4, 4]);
  let loss = 0;
  y.data.forEach((v, i) => {
    const d = v - (target[i] as number);
    loss += 0.5 * d * d;
    seed.data[i] = d;
  });
  y.dispose();
  return { loss, seed };
}

describe('training a tiny conv net', () => {
  it('drives the loss down with Adam over 150 steps', async () => {
    const m = tinyNet(3).compile({ seedOutputs: ['y'], optimizer: { kind: 'adam', lr: 0.01 } });
    const x = Tensor.from(xs, [1, 1, 4, 4, 4]);
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      const { loss, seed } = await lossAndSeed(m, x);
      losses.push(loss);
      await m.backward({ y: seed });
      seed.dispose();
      await m.step();
    }
    expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) / 10);
    x.dispose();
    m.dispose();
  });

  it('has gradients matching finite differences through conv3d (with workspaces in the arena)', async () => {
    const m = tinyNet(4).compile({ seedOutputs: ['y'], inputGradients: ['x'] });
    const x = Tensor.from(xs, [1, 1, 4, 4, 4]);
    const { seed } = await lossAndSeed(m, x);
    await m.backward({ y: seed });
    seed.dispose();
    const eps = 1e-3;
    const lossAt = async (name: string, i: number, delta: number) => {
      const p = name === 'x' ? x.clone() : m.parameter(name);
      p.data[i] = (p.data[i] as number) + delta;
      let l: number;
      if (name === 'x') {
        l = (await lossAndSeed(m, p)).loss;
      } else {
        const orig = m.parameter(name);
        m.setParameter(name, p);
        const r = await lossAndSeed(m, x);
        r.seed.dispose();
        l = r.loss;
        m.setParameter(name, orig);
        orig.dispose();
      }
      p.dispose();
      return l;
    };
    const probes = [
      ['conv1.weight', [0, 13, 50, 107]],
      ['conv1.bias', [0, 3]],
      ['conv2.weight', [1, 2]],
      ['x', [0, 21, 63]],
    ] as const;
    // Read every gradient first: the probing forwards discard them.
    const grads = new Map(probes.map(([name]) => [name, m.gradient(name)]));
    for (const [name, at] of probes) {
      const grad = grads.get(name) as Tensor;
      for (const i of at) {
        const numeric = ((await lossAt(name, i, eps)) - (await lossAt(name, i, -eps))) / (2 * eps);
        const analytic = grad.data[i] as number;
        expect(
          Math.abs(analytic - numeric),
          `${name}[${i}]: analytic ${analytic}, numeric ${numeric}`,
        ).toBeLessThanOrEqual(5e-3 + 3e-2 * Math.abs(numeric));
      }
      grad.dispose();
    }
    x.dispose();
    m.dispose();
  });
});
