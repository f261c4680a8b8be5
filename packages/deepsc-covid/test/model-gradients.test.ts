import { mulberry32, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { createDeepScCovid, type DeepScCovidNetwork } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { type TrainingBatch, trainingStep } from '../src/training-step.js';
import { forwardLossOutputs, referenceLoss } from './support/reference-step.js';

const volume = (shape: readonly number[], seed: number) => {
  const r = mulberry32(seed);
  return Tensor.from(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1),
    shape,
  );
};

function tinyBatch(net: DeepScCovidNetwork): TrainingBatch {
  const c = net.config;
  const mask = volume([1, 1, ...c.patchSize], 3);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = (m[i] as number) > 0.4 ? 1 : 0;
  return {
    whole: volume([1, 1, ...c.wholeSize], 1),
    patch: volume([1, 1, ...c.patchSize], 2),
    region: { lo: [1, 0, 0], hi: [5, 8, 8] },
    labels: [1],
    lesionMask: mask,
  };
}

/**
 * The float64 reference loss (support/task-aware-loss.ts) on the network's outputs: the finite
 * differences below check the graph loss's analytic gradients against it.
 */
async function lossAt(net: DeepScCovidNetwork, b: TrainingBatch): Promise<number> {
  const outs = await forwardLossOutputs(net, b);
  try {
    return referenceLoss(net, b, outs).total;
  } finally {
    for (const t of Object.values(outs)) t.dispose();
  }
}

// Parameters from every part of the network (stems, cross-stitch, both lesion-subnet ends,
// classifier body, lesion channel and the linear layer the evidence maps read).
const PROBES: [string, number][] = [
  ['stem_whole.branch3.weight', 5],
  ['stem_patch.branch5.weight', 11],
  ['stem_patch.norm.weight', 1],
  ['cross_stitch.alpha', 0],
  ['cross_stitch.beta', 0],
  ['lesion.enc1.conv1.weight', 17],
  ['lesion.enc4.conv2.weight', 40],
  ['lesion.up2.weight', 3],
  ['lesion.head1.bias', 1],
  ['lesion.head4.weight', 2],
  ['classifier.lesion_conv.weight', 0],
  ['classifier.lesion_scale', 0],
  ['classifier.block1.conv1.weight', 9],
  ['classifier.block3.down.weight', 4],
  ['classifier.fc.weight', 7],
  ['classifier.fc.bias', 2],
];

describe('DeepSC-COVID gradients (tiny preset)', () => {
  it("the graph loss's gradients match central finite differences of the float64 reference loss across the network", async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 7, optimizer: null });
    const b = tinyBatch(net);
    await trainingStep(net, b, { step: false });
    const analytic = new Map<string, number>();
    for (const [name, i] of PROBES) {
      const gt = net.model.gradient(name);
      analytic.set(name, gt.data[i] as number);
      gt.dispose();
    }
    const h = 1e-2;
    const rows: string[] = [];
    for (const [name, i] of PROBES) {
      const p = net.model.parameter(name);
      const v0 = p.data[i] as number;
      p.data[i] = v0 + h;
      net.model.setParameter(name, p);
      const up = await lossAt(net, b);
      p.data[i] = v0 - h;
      net.model.setParameter(name, p);
      const down = await lossAt(net, b);
      p.data[i] = v0;
      net.model.setParameter(name, p);
      p.dispose();
      const fd = (up - down) / (2 * h);
      const an = analytic.get(name) as number;
      rows.push(`${name}[${i}] analytic ${an.toExponential(4)} fd ${fd.toExponential(4)}`);
      // float32 network, float64 loss: relative 5% or absolute 2e-3 (the loss is O(1)).
      expect(Math.abs(an - fd), rows.join('\n')).toBeLessThan(2e-3 + 0.05 * Math.abs(fd));
    }
    // Something must actually be checked: most probes have a clearly non-zero gradient.
    expect(PROBES.filter(([n]) => Math.abs(analytic.get(n) as number) > 1e-4).length).toBeGreaterThan(10);
    net.model.dispose();
  }, 60_000);

  it.each([
    ['task-aware term only, weight 5', 5],
    ['task-aware weight 0', 0],
  ] as const)(
    '%s: gradients reach the lesion and classification subnets exactly when the weight is non-zero',
    async (_, taskWeight) => {
      const onlyTask = { ceWeight: 0, focalWeight: 0, diceWeight: 0, segCeWeight: 0, taskWeight };
      const net = createDeepScCovid(presetConfig('tiny'), {
        seed: 3,
        optimizer: null,
        lossOptions: onlyTask,
      });
      const b = tinyBatch(net);
      await trainingStep(net, b, { step: false });
      const norm = (prefix: string) => {
        let s = 0;
        for (const n of net.model.trainableNames.filter((x) => x.startsWith(prefix))) {
          const g = net.model.gradient(n);
          for (const v of g.data) s += v * v;
          g.dispose();
        }
        return Math.sqrt(s);
      };
      for (const part of [
        'lesion.',
        'classifier.block',
        'classifier.fc.weight',
        'stem_patch.',
        'stem_whole.',
        'cross_stitch.',
      ]) {
        if (taskWeight > 0) expect(norm(part), part).toBeGreaterThan(1e-6);
        else expect(norm(part), part).toBe(0);
      }
      net.model.dispose();
    },
  );
});
