/**
 * The executor's memory planning changes no bit of any result. DeepSC-COVID (tiny preset, the
 * task-aware loss in its graph) is trained for two steps from one seed under each plan: the reference keeps every
 * buffer apart (`reuse: 'none'`, every input and output of a node kept until its backward, no
 * in-place ops, backward in reverse creation order), the others use the declared backward
 * reads, in-place elementwise ops (forward and backward), concats whose inputs are computed in
 * place, recomputed segments and the backward in memory order (its gradient sums of a value
 * with several consumers: two in either order, three or more in reference order). Losses,
 * every parameter gradient and every parameter after each step must be bitwise those of the
 * reference: a backward reading a freed activation, an in-place op over a value still needed
 * or a recomputation that differs would change them. The savings themselves are checked on the
 * cpu preset (compile only).
 */

import { GraphBuilder, type GraphValue, type MemoryPlanOptions, mulberry32, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { createDeepScCovid, type DeepScCovidNetwork } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { type TrainingBatch, trainingStep } from '../src/training-step.js';

const volume = (shape: readonly number[], seed: number) => {
  const r = mulberry32(seed);
  return Tensor.from(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1),
    shape,
  );
};

function batchFor(net: DeepScCovidNetwork): TrainingBatch {
  const c = net.config;
  const mask = volume([1, 1, ...c.patchSize], 3);
  for (let i = 0; i < mask.data.length; i++) mask.data[i] = (mask.data[i] as number) > 0.4 ? 1 : 0;
  return {
    whole: volume([1, 1, ...c.wholeSize], 1),
    patch: volume([1, 1, ...c.patchSize], 2),
    region: { lo: [1, 0, 0], hi: [5, 8, 8] },
    labels: [1],
    lesionMask: mask,
  };
}

const hex = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');

/** Everything two training steps produce, as bytes. */
async function trace(memoryPlan: MemoryPlanOptions) {
  const model = createDeepScCovid(presetConfig('tiny'), { seed: 5, memoryPlan });
  const out: Record<string, string> = {};
  const batch = batchFor(model);
  try {
    for (let step = 0; step < 2; step++) {
      const r = await trainingStep(model, batch, { step: false });
      out[`loss ${step}`] = r.loss.total.toString();
      for (const name of model.model.parameterNames) {
        if (model.model.parametersWithoutGradient.includes(name)) continue;
        const g = model.model.gradient(name);
        out[`grad ${step} ${name}`] = hex(g);
        g.dispose();
      }
      await model.model.step();
      for (const [name, t] of Object.entries(model.model.stateDict())) {
        out[`param ${step} ${name}`] = hex(t);
        t.dispose();
      }
    }
    return { out, memory: model.model.memory };
  } finally {
    for (const t of Object.values(batch)) if (t instanceof Tensor) t.dispose();
    model.model.dispose();
  }
}

const PLANS: { name: string; plan: MemoryPlanOptions }[] = [
  { name: 'declared backward reads', plan: { inPlace: false } },
  { name: 'declared reads + in place (the default)', plan: {} },
  { name: 'default, backward in reverse creation order', plan: { backwardOrder: 'reverse-creation' } },
  { name: 'default, backward in memory order', plan: { backwardOrder: 'memory' } },
  { name: 'default, no cheap recomputation', plan: { recomputeCheap: false } },
  { name: 'default, cheap recomputation', plan: { recomputeCheap: true } },
  {
    name: 'default + recompute stems, an encoder level and a classifier block',
    plan: { recompute: ['stem_whole', 'stem_patch', 'lesion.enc1', 'classifier.block1'] },
  },
  {
    name: 'recompute, backward in memory order',
    plan: { recompute: ['stem_whole', 'lesion.enc1', 'classifier.block1'], backwardOrder: 'memory' },
  },
];

describe('memory plans are bitwise neutral', () => {
  let reference: Record<string, string> | undefined;
  const ref = async () => {
    reference ??= (
      await trace({
        declaredReads: false,
        inPlace: false,
        reuse: 'none',
        backwardOrder: 'reverse-creation',
      })
    ).out;
    return reference;
  };
  it.each(PLANS)('$name', async ({ plan }) => {
    const want = await ref();
    const { out, memory } = await trace(plan);
    expect(Object.keys(out).length).toBeGreaterThan(50);
    expect(Object.keys(out)).toEqual(Object.keys(want));
    const differ = Object.keys(want).filter((k) => out[k] !== want[k]);
    expect(differ).toEqual([]);
    if (plan.inPlace !== false) expect(memory.inPlaceNodes.length).toBeGreaterThan(0);
    if (plan.inPlace !== false) {
      expect(memory.inPlaceGradients.length).toBeGreaterThan(0);
      // concats computing their inputs in place (nodes named concat_<id> by the builder)
      expect(memory.inPlaceNodes.filter((n) => n.startsWith('concat')).length).toBeGreaterThan(0);
    }
    if (plan.recompute) expect(memory.recomputedNodes.length).toBeGreaterThan(0);
    if (plan.backwardOrder) expect(memory.backwardOrder).toBe(plan.backwardOrder);
    if (plan.recomputeCheap === true) expect(memory.recomputedNodes.length).toBeGreaterThan(0);
    if (plan.recomputeCheap === false && !plan.recompute) expect(memory.recomputedNodes).toEqual([]);
  });
});

describe('recompute: what the planner refuses and reports', () => {
  /** x -> conv -> batch_norm (mode) -> conv (reads the norm output for its weight gradient) -> mean-square loss. */
  function net(mode: 'train' | 'eval') {
    const g = new GraphBuilder({ seed: 1 });
    const x = g.input('x', [1, 2, 4, 6, 6]);
    const a = g.scoped('a');
    const h = a.op('conv3d', { padding: 1 }, [
      x,
      a.parameter('w', [4, 2, 3, 3, 3], { kind: 'normal', std: 0.2 }),
      null,
    ])[0] as GraphValue;
    const bn = g.scoped('bn');
    const n = bn.op('batch_norm', { mode }, [
      h,
      bn.parameter('weight', [4], { kind: 'ones' }),
      bn.parameter('bias', [4], { kind: 'zeros' }),
      bn.state('running_mean', [4], { kind: 'zeros' }),
      bn.state('running_var', [4], { kind: 'ones' }),
    ])[0] as GraphValue;
    const b = g.scoped('b');
    const y = b.op('conv3d', { padding: 1 }, [
      n,
      b.parameter('w', [1, 4, 3, 3, 3], { kind: 'normal', std: 0.2 }),
      null,
    ])[0] as GraphValue;
    g.loss(g.op('mse', {}, [y, g.input('t', [1, 1, 4, 6, 6]), null])[0] as GraphValue);
    return g;
  }

  it.each([
    {
      name: 'a prefix that names no node',
      mode: 'eval' as const,
      recompute: ['c'],
      fragments: ["'c'", 'no node'],
    },
    {
      name: 'a partial name (segments end at a dot)',
      mode: 'eval' as const,
      recompute: ['b.w'],
      fragments: ["'b.w'"],
    },
    {
      name: 'batch_norm in mode train (its forward moves the running statistics)',
      mode: 'train' as const,
      recompute: ['bn'],
      fragments: ['batch_norm', "mode 'train'", 'running statistics'],
    },
  ])('$name: TypeError', ({ mode, recompute, fragments }) => {
    let err: unknown;
    try {
      net(mode).compile({ recompute }).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    for (const f of fragments) expect((err as Error).message).toContain(f);
  });

  it('batch_norm in mode eval recomputes; model.memory names the recomputed nodes and the peak', () => {
    const m = net('eval').compile({ recompute: ['a', 'bn'] });
    try {
      const mem = m.memory;
      expect(mem.recomputedNodes.some((n) => n.startsWith('a.'))).toBe(true);
      expect(mem.recomputeSavedBytes).toBeGreaterThanOrEqual(0);
      expect(mem.peakLiveBytes).toBeGreaterThan(0);
      expect(mem.peakLiveBytes).toBeLessThanOrEqual(mem.arenaBytes);
      expect(mem.peakStep).toMatch(/^(forward|backward|recompute|seed|accumulate)/);
      const sizes = mem.largestAtPeak.map((l) => l.bytes);
      expect(sizes).toEqual([...sizes].sort((p, q) => q - p));
    } finally {
      m.dispose();
    }
  });
});
