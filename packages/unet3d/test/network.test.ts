import { GraphBuilder, liveTensorBytes, nativeMemory } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { buildUnet3d, model, resolveUnet3dConfig, unet3dOptimizer } from '../src/index.js';
import { ballScan, source } from './support.js';

const tiny = resolveUnet3dConfig({ model: { preset: 'tiny' } });

describe('unet3d: the network', () => {
  it('has the parameters counted by hand (tiny: stages 4-8-8, one conv each, one head)', () => {
    const g = new GraphBuilder();
    const heads = buildUnet3d(g, tiny, g.input('image', [1, 1, 8, 16, 16]));
    // supervision [2/3, 1/3 -> dropped... ]: 2 decoder outputs, the lowest dropped: one head
    expect(heads.map((h) => [...h.shape])).toEqual([[1, 2, 8, 16, 16]]);
    const shapes = Object.fromEntries(g.parameters.map((p) => [p.name, [...p.shape]]));
    expect(shapes).toEqual({
      'encoder.stage0.conv1.conv.weight': [4, 1, 3, 3, 3],
      'encoder.stage0.conv1.norm.weight': [4],
      'encoder.stage0.conv1.norm.bias': [4],
      'encoder.stage1.conv1.conv.weight': [8, 4, 3, 3, 3],
      'encoder.stage1.conv1.norm.weight': [8],
      'encoder.stage1.conv1.norm.bias': [8],
      'encoder.stage2.conv1.conv.weight': [8, 8, 3, 3, 3],
      'encoder.stage2.conv1.norm.weight': [8],
      'encoder.stage2.conv1.norm.bias': [8],
      'decoder.stage1.up.weight': [8, 8, 1, 2, 2],
      'decoder.stage1.up.bias': [8],
      'decoder.stage1.conv1.conv.weight': [8, 16, 3, 3, 3],
      'decoder.stage1.conv1.norm.weight': [8],
      'decoder.stage1.conv1.norm.bias': [8],
      'decoder.stage0.up.weight': [8, 4, 2, 2, 2],
      'decoder.stage0.up.bias': [4],
      'decoder.stage0.conv1.conv.weight': [4, 8, 3, 3, 3],
      'decoder.stage0.conv1.norm.weight': [4],
      'decoder.stage0.conv1.norm.bias': [4],
      'decoder.head0.weight': [2, 4, 1, 1, 1],
      'decoder.head0.bias': [2],
    });
    const count = g.parameters.reduce((a, p) => a + p.shape.reduce((x, v) => x * v, 1), 0);
    expect(count).toBe(116 + 880 + 1744 + 264 + 3472 + 260 + 872 + 10);
  });

  it('gives a head to every supervised output (cpu: two of three)', () => {
    const c = resolveUnet3dConfig({ model: { preset: 'cpu' } });
    const g = new GraphBuilder();
    const heads = buildUnet3d(g, c, g.input('image', [1, 1, 16, 64, 64]));
    expect(heads.map((h) => [...h.shape])).toEqual([
      [1, 2, 16, 64, 64],
      [1, 2, 8, 32, 32],
    ]);
  });
});

describe('unet3d: training and prediction through the spec', () => {
  it('a few steps lower the loss; predict gives a probability per voxel; nothing leaks', async () => {
    const before = nativeMemory().total;
    const c = model.resolveConfig({ model: { preset: 'tiny' } });
    const opt = unet3dOptimizer({ kind: 'adam', lr: 1e-2, weightDecay: 0 });
    const net = model.create(c, { seed: 1, mode: 'train', device: 'cpu', optimizer: opt.config });
    const scan = ballScan([16, 16, 8], [8, 8, 4], 3);
    const b = model.makeBatch(net, scan, {}, source(5));
    const losses: number[] = [];
    for (let s = 0; s < 8; s++) {
      const r = await model.trainingStep(net, b.batch);
      expect(Object.keys(r.terms)).toEqual(['loss', 'dice', 'ce']);
      expect(r.report).toBeDefined();
      losses.push(r.loss);
    }
    for (const t of b.tensors) t.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) * 0.8);
    // any size: smaller than the window on i (padded), larger on k (two windows)
    const image = ballScan([12, 16, 13], [6, 8, 6], 3).image;
    const windows: number[] = [];
    const p = await model.predict(net, image, { onWindow: (d) => windows.push(d) });
    expect(p.probabilities).toEqual([]);
    expect(p.lesion?.length).toBe(12 * 16 * 13);
    expect(windows.length).toBeGreaterThan(1);
    expect(Array.from(p.lesion ?? []).every((v) => v > 0 && v < 1)).toBe(true);
    net.model.dispose();
    expect(nativeMemory().total).toBe(before);
  });

  it('an inference network predicts with its own graph, loads a training checkpoint, and refuses to train', async () => {
    const c = model.resolveConfig({ model: { preset: 'cpu' } });
    const trained = model.create(c, {
      seed: 1,
      mode: 'train',
      device: 'cpu',
      optimizer: { kind: 'sgd', lr: 0.1 },
    });
    const net = model.create(c, { seed: 2, mode: 'infer', device: 'cpu' });
    expect(Object.keys(net.model.inputs)).toEqual(['image']);
    // the same parameters, deep-supervision heads included: the state dict moves both ways
    expect(net.model.parameterNames).toEqual(trained.model.parameterNames);
    const state = trained.model.stateDict();
    net.model.loadStateDict(state);
    for (const t of Object.values(state)) t.dispose();
    const image = ballScan([64, 64, 32], [30, 30, 16], 6).image;
    const [a, b] = [await model.predict(trained, image), await model.predict(net, image)];
    expect(b.lesion?.length).toBe(64 * 64 * 32);
    expect(Array.from(b.lesion ?? [])).toEqual(Array.from(a.lesion ?? []));
    trained.model.dispose();
    const batch = model.makeBatch(net, ballScan([64, 64, 32], [30, 30, 16], 6), {}, source(1));
    await expect(model.trainingStep(net, batch.batch)).rejects.toThrow(
      /needs a network created with mode "train"/,
    );
    for (const t of batch.tensors) t.dispose();
    net.model.dispose();
  });
});

describe('unet3d: batches', () => {
  const c = model.resolveConfig({ model: { preset: 'tiny', scanSize: [16, 32, 32] } });
  const net = { config: c } as Parameters<typeof model.makeBatch>[0];
  it('forces lesion into about a third of the patches, and the target is the mask under the patch', () => {
    // a small lesion in a corner: a uniform patch rarely holds it
    const scan = ballScan([32, 32, 16], [3, 3, 2], 1.5);
    const rand = source(3);
    let forced = 0;
    const n = 300;
    for (let s = 0; s < n; s++) {
      const b = model.makeBatch(net, scan, {}, rand);
      if (b.note?.startsWith('lesion')) {
        forced++;
        expect(b.batch.target.data.some((v) => v === 1)).toBe(true);
      }
      // the target is binary and marks exactly the bright voxels of this scan
      const img = b.batch.image.data;
      const wrong = b.batch.target.data.findIndex((t, o) => (t === 1) !== (img[o] as number) > 0.5);
      expect(wrong).toBe(-1);
      for (const t of b.tensors) t.dispose();
    }
    expect(forced / n).toBeGreaterThan(0.25);
    expect(forced / n).toBeLessThan(0.42);
  });
  it('draws every choice from the given source', () => {
    const scan = ballScan([32, 32, 16], [10, 12, 8], 3);
    const a = model.makeBatch(net, scan, {}, source(9));
    const b = model.makeBatch(net, scan, {}, source(9));
    expect(Array.from(a.batch.image.data)).toEqual(Array.from(b.batch.image.data));
    for (const t of [...a.tensors, ...b.tensors]) t.dispose();
  });
  it.each([
    {
      name: 'a scan off the grid',
      scan: ballScan([32, 32, 15], [8, 8, 4], 2, 1, 's7'),
      error: /scan s7: image prepared to \[32, 32, 15\] \(i, j, k\), the U-Net needs \[32, 32, 16\]/,
    },
    {
      name: 'a scan without a lesion mask',
      scan: { ...ballScan([32, 32, 16], [8, 8, 4], 2, 1, 's8'), lesion: undefined },
      error: /scan s8: no lesion mask; the U-Net trains on lesion masks only/,
    },
  ])('refuses $name, leaving no tensor', ({ scan, error }) => {
    const before = liveTensorBytes();
    expect(() => model.makeBatch(net, scan, {}, source(1))).toThrow(error);
    expect(liveTensorBytes()).toBe(before);
  });
  it('keeps a patch tensor of the patch size', () => {
    const b = model.makeBatch(net, ballScan([32, 32, 16], [8, 8, 4], 2), {}, source(2));
    expect(b.batch.image.shape).toEqual([1, 1, 8, 16, 16]);
    expect(b.batch.target.shape).toEqual([1, 1, 8, 16, 16]);
    expect(b.tensors).toEqual([b.batch.image, b.batch.target]);
    for (const t of b.tensors) t.dispose();
  });
});
