import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { VARIANTS } from '../src/config.js';
import { createDeepScCovid, type DeepScCovidNetwork } from '../src/network.js';
import { presetConfig } from '../src/presets.js';
import { networkInputs, type TrainingBatch, trainingStep } from '../src/training-step.js';

/**
 * A tiny learnable problem: class k scans carry a bright blob in a class-specific place; the
 * patch's lesion mask is exactly where the patch is bright.
 */
function problem(label: number, seed: number, net: DeepScCovidNetwork): TrainingBatch {
  const c = net.config;
  const r = mulberry32(seed);
  const [D, H, W] = c.wholeSize;
  const whole = new Float32Array(D * H * W);
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const bright = (label === 0 && y < H / 2) || (label === 1 && x < W / 2 && y >= H / 2) || false;
        whole[(z * H + y) * W + x] = (bright ? 1 : -0.5) + 0.1 * (r() - 0.5);
      }
  const [pd, ph, pw] = c.patchSize;
  const patch = new Float32Array(pd * ph * pw);
  const mask = new Float32Array(pd * ph * pw);
  for (let i = 0; i < patch.length; i++) {
    const y = Math.floor(i / pw) % ph;
    const lesion = label !== 2 && y >= 2 && y < 5;
    patch[i] = (lesion ? 1 : -0.5) + 0.1 * (r() - 0.5);
    mask[i] = lesion ? 1 : 0;
  }
  return {
    whole: Tensor.from(whole, [1, 1, D, H, W]),
    patch: Tensor.from(patch, [1, 1, pd, ph, pw]),
    region: { lo: [2, 0, 0], hi: [6, H, W] },
    labels: [label],
    lesionMask: Tensor.from(mask, [1, 1, pd, ph, pw]),
  };
}

describe('DeepSC-COVID training (tiny preset)', () => {
  it('a few hundred Adam steps drive the joint loss down on a tiny problem', async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 11 });
    const batches = [0, 1, 2].map((k) => problem(k, 100 + k, net));
    const losses: number[] = [];
    for (let step = 0; step < 240; step++) {
      const r = await trainingStep(net, batches[step % 3] as TrainingBatch);
      losses.push(r.loss.total);
      expect(Number.isFinite(r.loss.total)).toBe(true);
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const first = mean(losses.slice(0, 15));
    const last = mean(losses.slice(-15));
    expect(last).toBeLessThan(0.5 * first);
    net.model.dispose();
  }, 60_000);

  it.each(VARIANTS)('variant %s takes a training step with a finite loss', async (variant) => {
    const net = createDeepScCovid(presetConfig('tiny', { variant }), { seed: 2 });
    const r = await trainingStep(net, problem(1, 5, net));
    expect(Number.isFinite(r.loss.total)).toBe(true);
    expect(r.loss.terms.task > 0).toBe(variant === 'joint' || variant === 'joint-without-cross-stitch');
    expect(r.loss.terms.cls > 0).toBe(variant !== 'segmentation-only');
    expect(r.loss.terms.seg > 0).toBe(variant !== 'classification-only');
    net.model.dispose();
  });

  it('a batch of two takes one step with per-sample labels and mask flags', async () => {
    const net = createDeepScCovid(presetConfig('tiny', { batch: 2 }), { seed: 2 });
    const [a, b] = [problem(0, 1, net), problem(1, 2, net)] as [TrainingBatch, TrainingBatch];
    const cat = (x: Tensor, y: Tensor) => {
      const data = new Float32Array(x.data.length * 2);
      data.set(x.data);
      data.set(y.data, x.data.length);
      return Tensor.from(data, [2, ...x.shape.slice(1)]);
    };
    const r = await trainingStep(net, {
      whole: cat(a.whole as Tensor, b.whole as Tensor),
      patch: cat(a.patch as Tensor, b.patch as Tensor),
      lesionMask: cat(a.lesionMask as Tensor, b.lesionMask as Tensor),
      region: a.region,
      labels: [0, 1],
      hasMask: [1, 0],
    });
    expect(Number.isFinite(r.loss.total)).toBe(true);
    expect(r.loss.terms.seg).toBeGreaterThan(0);
    await expect(trainingStep(net, { ...a, labels: [0] })).rejects.toThrow(/shape|batch/);
    net.model.dispose();
  });

  it.each([
    ['no region for the joint network', { region: undefined }, /needs the patch's region/],
    ['no patch', { patch: undefined }, /needs a patch/],
    ['no labels', { labels: undefined }, /batch\.labels: variant joint needs a class index per sample/],
  ])('rejects a batch with %s', async (_, change, msg) => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 2 });
    await expect(trainingStep(net, { ...problem(0, 1, net), ...change })).rejects.toThrow(msg);
    net.model.dispose();
  });

  it('save then load gives bit-identical outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepsc-model-'));
    try {
      const a = createDeepScCovid(presetConfig('tiny'), { seed: 4 });
      const b0 = problem(0, 9, a);
      for (let i = 0; i < 3; i++) await trainingStep(a, b0); // trained, not initial, weights
      await a.model.save(join(dir, 'w.safetensors'));
      const b = createDeepScCovid(presetConfig('tiny'), { seed: 99, mode: 'infer' });
      await b.model.load(join(dir, 'w.safetensors'));
      const infer = createDeepScCovid(presetConfig('tiny'), { mode: 'infer', shareParametersWith: a });
      const ia = networkInputs(infer, b0);
      const ib = networkInputs(b, b0);
      const oa = await infer.model.forward(ia.inputs);
      const ob = await b.model.forward(ib.inputs);
      expect(Object.keys(ob).sort()).toEqual(Object.keys(oa).sort());
      for (const [k, t] of Object.entries(oa)) {
        expect(Buffer.from((ob[k] as Tensor).data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
      }
      for (const t of [...ia.owned, ...ib.owned, ...Object.values(oa), ...Object.values(ob)]) t.dispose();
      for (const n of [a, b, infer]) n.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
