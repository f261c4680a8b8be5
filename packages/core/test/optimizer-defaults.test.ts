import { describe, expect, it } from 'vitest';
import { GraphBuilder, type OptimizerConfig, optimizerDefaults, Tensor, zeros } from '../src/index.js';

/**
 * `optimizerDefaults` is what the engine does with a hyper-parameter left out: three steps with
 * every field left out give, bit for bit, the parameters of three steps with every field set from
 * `optimizerDefaults`, and changing any one field changes them (so each default is checked).
 */
async function train(opt: OptimizerConfig): Promise<number[]> {
  const g = new GraphBuilder();
  g.output('y', g.relu(g.parameter('p', [4], zeros())));
  const m = g.compile({ seedOutputs: ['y'], optimizer: opt });
  try {
    const p0 = Tensor.from([1, 2, 3, 4], [4]);
    m.setParameter('p', p0);
    p0.dispose();
    // gradients small enough for eps to matter and varying, so the betas and the momentum do
    for (const grad of [
      [1e-7, -2e-7, 3e-8, 5e-9],
      [4e-8, 1e-7, -6e-8, 2e-9],
      [-3e-8, 5e-8, 1e-7, -1e-8],
    ]) {
      for (const t of Object.values(await m.forward({}))) t.dispose();
      const s = Tensor.from(grad, [4]);
      await m.backward({ y: s });
      s.dispose();
      await m.step();
    }
    const p = m.parameter('p');
    const v = p.toArray();
    p.dispose();
    return v;
  } finally {
    m.dispose();
  }
}

const d = optimizerDefaults;
const lr = 0.5;
const kinds = [
  {
    kind: 'sgd',
    explicit: {
      momentum: d.momentum,
      dampening: d.dampening,
      nesterov: d.nesterov,
      weightDecay: d.weightDecay.sgd,
    },
    // dampening and Nesterov act only with momentum: changed with it
    changed: [
      { momentum: 0.9 },
      { momentum: 0.9, dampening: 0.5 },
      { momentum: 0.9, nesterov: true },
      { weightDecay: 0.1 },
    ],
  },
  {
    kind: 'adam',
    explicit: { betas: d.betas, eps: d.eps, weightDecay: d.weightDecay.adam },
    changed: [{ betas: [0.8, 0.999] }, { betas: [0.9, 0.99] }, { eps: 1e-7 }, { weightDecay: 0.1 }],
  },
  {
    kind: 'adamw',
    explicit: { betas: d.betas, eps: d.eps, weightDecay: d.weightDecay.adamw },
    changed: [{ betas: [0.8, 0.999] }, { betas: [0.9, 0.99] }, { eps: 1e-7 }, { weightDecay: 0 }],
  },
] as const;

describe('optimizerDefaults are the engine defaults', () => {
  it.each(kinds)('$kind: leaving every field out is bitwise the same as setting the defaults', async (k) => {
    const implicit = await train({ kind: k.kind, lr } as OptimizerConfig);
    expect(await train({ kind: k.kind, lr, ...k.explicit } as OptimizerConfig)).toEqual(implicit);
    for (const change of k.changed) {
      const other = await train({ kind: k.kind, lr, ...k.explicit, ...change } as OptimizerConfig);
      expect(other, `${k.kind} with ${JSON.stringify(change)}`).not.toEqual(implicit);
    }
  });

  it.each(['adam', 'adamw'] as const)(
    '%s: the default learning rate is optimizerDefaults.lr',
    async (kind) => {
      const implicit = await train({ kind });
      expect(await train({ kind, lr: d.lr[kind] })).toEqual(implicit);
      expect(await train({ kind, lr: d.lr[kind] * 2 })).not.toEqual(implicit);
    },
  );

  it('is frozen, so no caller can change a default for everyone', () => {
    expect(Object.isFrozen(d) && Object.isFrozen(d.betas) && Object.isFrozen(d.weightDecay)).toBe(true);
    expect(Object.isFrozen(d.lr)).toBe(true);
  });
});
