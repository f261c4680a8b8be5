import { fileURLToPath } from 'node:url';
import { loadSafetensors, type Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { createDeepScCovid } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { regionInputs } from '../src/region.js';
import { trainingStep } from '../src/training-step.js';

// Fixtures from packages/deepsc-covid/test/fixtures/make_twin_fixtures.py (PyTorch twin in
// benchmarks/peers/deepsc_covid_torch.py, tiny preset).
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('DeepSC-COVID against its PyTorch twin', () => {
  it('loads the twin weights by name and reproduces every output within 1e-4', async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { mode: 'infer', seed: 123 });
    await net.model.load(fixture('twin_weights.safetensors')); // strict: every name must match
    const io = await loadSafetensors(fixture('twin_io.safetensors'));
    const t = io.tensors;
    const lo = JSON.parse(io.metadata.region_lo as string);
    const hi = JSON.parse(io.metadata.region_hi as string);
    const region = regionInputs(net.config, { lo, hi });
    // Our region matrices are the twin's.
    for (const [name, m] of Object.entries(region)) {
      expect(m.shape, name).toEqual((t[name] as Tensor).shape);
      expect(maxDiff(m.data, (t[name] as Tensor).data), name).toBeLessThan(1e-7);
    }
    const outs = await net.model.forward({
      whole: t['input.whole'] as Tensor,
      patch: t['input.patch'] as Tensor,
      ...region,
    });
    const names = Object.keys(t).filter((k) => k.startsWith('output.'));
    expect(names.length).toBe(12);
    for (const k of names) {
      const ours = outs[k.slice('output.'.length)] as Tensor;
      const theirs = t[k] as Tensor;
      expect(ours.shape, k).toEqual(theirs.shape);
      expect(maxDiff(ours.data, theirs.data), k).toBeLessThan(1e-4);
    }
    for (const x of [...Object.values(outs), ...Object.values(region), ...Object.values(t)]) x.dispose();
    net.model.dispose();
  });

  it('gives the same task-aware loss and the same gradient for every parameter', async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 123, optimizer: null });
    await net.model.load(fixture('twin_weights.safetensors'));
    const io = await loadSafetensors(fixture('twin_io.safetensors'));
    const t = io.tensors;
    const lo = JSON.parse(io.metadata.region_lo as string);
    const hi = JSON.parse(io.metadata.region_hi as string);
    const r = await trainingStep(
      net,
      {
        whole: t['input.whole'] as Tensor,
        patch: t['input.patch'] as Tensor,
        region: { lo, hi },
        labels: [1],
        lesionMask: t['input.lesion_mask'] as Tensor,
      },
      { step: false },
    );
    const expected = (t.loss as Tensor).data[0] as number;
    expect(Math.abs(r.loss.total - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
    const names = net.model.trainableNames;
    expect(names.length).toBe(Object.keys(t).filter((k) => k.startsWith('grad.')).length);
    for (const name of names) {
      const ours = net.model.gradient(name);
      const theirs = t[`grad.${name}`] as Tensor;
      const scale = theirs.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxDiff(ours.data, theirs.data), name).toBeLessThan(1e-4 + 1e-3 * scale);
      ours.dispose();
    }
    for (const x of Object.values(t)) x.dispose();
    net.model.dispose();
  });

  it.each(['segmentation-only', 'classification-only'] as const)(
    'variant %s reproduces the twin within 1e-4',
    async (variant) => {
      const net = createDeepScCovid(presetConfig('tiny', { variant }), { mode: 'infer' });
      const joint = (await loadSafetensors(fixture('twin_weights.safetensors'))).tensors;
      const io = (await loadSafetensors(fixture('twin_io.safetensors'))).tensors;
      const own = (await loadSafetensors(fixture('twin_variants.safetensors'))).tensors;
      const prefix = `${variant}/`;
      const dict: Record<string, Tensor> = {};
      for (const name of net.model.parameterNames) {
        const t = own[`${prefix}weight.${name}`] ?? joint[name];
        if (!t) throw new Error(`fixture lacks ${name}`);
        dict[name] = t;
      }
      net.model.loadStateDict(dict);
      const inputs: Record<string, Tensor> =
        variant === 'segmentation-only'
          ? { patch: io['input.patch'] as Tensor }
          : { whole: io['input.whole'] as Tensor };
      const outs = await net.model.forward(inputs);
      const names = Object.keys(own).filter((k) => k.startsWith(`${prefix}output.`));
      expect(names.length).toBe(4); // seg_logits + side1..3, or logits + evidence1..3
      expect(Object.keys(outs).length).toBe(names.length);
      for (const k of names) {
        const ours = outs[k.slice(`${prefix}output.`.length)] as Tensor;
        expect(ours.shape, k).toEqual((own[k] as Tensor).shape);
        expect(maxDiff(ours.data, (own[k] as Tensor).data), k).toBeLessThan(1e-4);
      }
      for (const x of [
        ...Object.values(outs),
        ...Object.values(joint),
        ...Object.values(io),
        ...Object.values(own),
      ])
        x.dispose();
      net.model.dispose();
    },
  );
});
