/**
 * The executor's memory planning changes no bit of any result. DeepSC-COVID (tiny preset, both
 * loss paths) is trained for two steps from one seed under each plan: the reference keeps every
 * buffer apart (`reuse: 'none'`, every input and output of a node kept until its backward, no
 * in-place ops), the others use the declared backward reads, in-place elementwise ops and
 * recomputed segments. Losses, every parameter gradient and every parameter after each step
 * must be bitwise those of the reference: a backward reading a freed activation, an in-place op
 * over a value still needed or a recomputation that differs would change them. The savings
 * themselves are checked on the cpu preset (compile only).
 */
import { describe, expect, it } from 'vitest';
import { type MemoryPlanOptions, Tensor } from '../src/index.js';
import { createDeepScCovid, type DeepScCovidNetwork } from '../src/model/network.js';
import { presetConfig } from '../src/model/presets.js';
import { type TrainingBatch, trainingStep } from '../src/model/training-step.js';
import { mulberry32 } from '../src/random.js';

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
async function trace(loss: 'host' | 'graph', memoryPlan: MemoryPlanOptions) {
  const model = createDeepScCovid(presetConfig('tiny'), { seed: 5, loss, memoryPlan });
  const out: Record<string, string> = {};
  const batch = batchFor(model);
  try {
    for (let step = 0; step < 2; step++) {
      const r = await trainingStep(model, batch, {}, { step: false });
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
  {
    name: 'default + recompute stems, an encoder level and a classifier block',
    plan: { recompute: ['stem_whole', 'stem_patch', 'lesion.enc1', 'classifier.block1'] },
  },
];

describe.each(['host', 'graph'] as const)('memory plans are bitwise neutral (loss %s)', (loss) => {
  let reference: Record<string, string> | undefined;
  const ref = async () => {
    reference ??= (await trace(loss, { declaredReads: false, inPlace: false, reuse: 'none' })).out;
    return reference;
  };
  it.each(PLANS)('$name', async ({ plan }) => {
    const want = await ref();
    const { out, memory } = await trace(loss, plan);
    expect(Object.keys(out).length).toBeGreaterThan(50);
    expect(Object.keys(out)).toEqual(Object.keys(want));
    const differ = Object.keys(want).filter((k) => out[k] !== want[k]);
    expect(differ).toEqual([]);
    if (plan.inPlace !== false) expect(memory.inPlaceNodes.length).toBeGreaterThan(0);
    if (plan.recompute) expect(memory.recomputedNodes.length).toBeGreaterThan(0);
  });
});
