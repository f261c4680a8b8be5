/**
 * Windows in batches: an inference network created with `windowBatch` B runs its windows B at
 * a time and predicts bitwise what batch 1 predicts (segmentation-only: its graph batches
 * patches; overlaps 0 and 0.5, window counts that are not multiples of B), through the spec as
 * the CLI runs it; a batch-1 inference network predicts bitwise what a training network does.
 * The joint and classification-only variants refuse a window batch above 1, saying why.
 */
import { mulberry32, WindowBatchError } from '@deepsc/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Variant } from '../src/config.js';
import { createDeepScCovid } from '../src/network.js';
import { predict } from '../src/predict.js';
import { type DeepScCovidInstance, model } from '../src/spec.js';
import { resolveTrainingConfig } from '../src/training-config.js';

const config = (variant: Variant) => resolveTrainingConfig({ model: { preset: 'tiny', variant } });

const image = (dims: [number, number, number], seed: number) => {
  const r = mulberry32(seed);
  return { dims, data: Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => r() * 2 - 1) };
};

const bits = (a: Float32Array | undefined) =>
  a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : undefined;

const made: DeepScCovidInstance[] = [];
const create = (variant: Variant, mode: 'train' | 'infer', windowBatch?: number) => {
  const net = model.create(config(variant), {
    seed: 7,
    mode,
    device: 'cpu',
    ...(windowBatch !== undefined ? { windowBatch } : {}),
  });
  made.push(net);
  return net;
};
afterAll(() => {
  for (const n of made) n.model.dispose();
});

describe('segmentation-only: windowBatch B is bitwise batch 1', () => {
  // tiny: patch [4, 8, 8] over the whole-scan grid [8, 8, 8] (D, H, W) any scan is resampled
  // to: 3 windows at overlap 0.5, 2 at 0 (dims are [i, j, k] = [W, H, D])
  const one = create('segmentation-only', 'infer');
  const cases = [2, 3].flatMap((B) =>
    [
      { dims: [8, 8, 18], overlap: 0.5, windows: 3 },
      { dims: [8, 8, 18], overlap: 0, windows: 2 },
      { dims: [13, 8, 11], overlap: 0.5, windows: 3 },
      { dims: [13, 8, 11], overlap: 0, windows: 2 },
    ].map((c) => ({ B, ...c })),
  );
  const batched = new Map([2, 3].map((B) => [B, create('segmentation-only', 'infer', B)]));

  it.each(cases)(
    'B $B, image $dims, overlap $overlap ($windows windows)',
    async ({ B, dims, overlap, windows }) => {
      const net = batched.get(B) as DeepScCovidInstance;
      expect(net.model.inputs.patch?.[0]).toBe(B);
      const img = image(dims as [number, number, number], 5);
      const seen: number[] = [];
      const ref = await model.predict(one, img, { overlap });
      const p = await model.predict(net, img, { overlap, onWindow: (_d, t) => seen.push(t) });
      expect(seen.length).toBe(windows);
      expect(bits(p.lesion)?.equals(bits(ref.lesion) as Buffer)).toBe(true);
      expect(p.probabilities).toEqual([]);
    },
  );
});

describe('an inference network of batch 1 runs the windows itself, bitwise the training network', () => {
  it.each(['joint', 'segmentation-only', 'classification-only'] as const)('%s', async (variant) => {
    const train = create(variant, 'train');
    const infer = create(variant, 'infer');
    // same seed, same initial weights
    const img = image([11, 9, 13], 3);
    const a = await model.predict(train, img, { overlap: 0.5 });
    const b = await model.predict(infer, img, { overlap: 0.5 });
    expect(b.probabilities).toStrictEqual(a.probabilities);
    expect(bits(b.lesion)?.equals(bits(a.lesion) as Buffer) ?? b.lesion === a.lesion).toBe(true);
    expect(bits(b.maps?.evidence)?.equals(bits(a.maps?.evidence) as Buffer) ?? !a.maps).toBe(true);
  });

  it('an inference network made directly with a training batch of 2 still predicts the joint variant one window at a time', async () => {
    const c = config('joint').network;
    const two = createDeepScCovid({ ...c, batch: 2 }, { mode: 'infer', seed: 7, optimizer: null });
    const oneNet = createDeepScCovid({ ...c, batch: 1 }, { mode: 'infer', seed: 7, optimizer: null });
    try {
      const v = { data: image([11, 9, 13], 4).data, shape: [13, 9, 11] as [number, number, number] };
      const a = await predict(two, v, { overlap: 0.5 });
      const b = await predict(oneNet, v, { overlap: 0.5 });
      expect(a.classProbabilities).toStrictEqual(b.classProbabilities);
      expect(bits(a.lesion?.data)?.equals(bits(b.lesion?.data) as Buffer)).toBe(true);
    } finally {
      two.model.dispose();
      oneNet.model.dispose();
    }
  });
});

describe('window batch limits', () => {
  it.each([
    ['joint', 1],
    ['joint-without-cross-stitch', 1],
    ['classification-only', 1],
    ['segmentation-only', Number.POSITIVE_INFINITY],
  ] as const)('%s: maxWindowBatch %s', (variant, max) => {
    expect(model.maxWindowBatch?.(config(variant))).toBe(max);
  });

  it.each([
    [
      'joint',
      'infer',
      2,
      'deepsc-covid: windowBatch 2, but it runs at most 1 window(s) per call (variant joint: its graph takes one patch region per batch, and each window has its own)',
    ],
    [
      'classification-only',
      'infer',
      4,
      'deepsc-covid: windowBatch 4, but it runs at most 1 window(s) per call (variant classification-only: its one window is the whole scan)',
    ],
    [
      'segmentation-only',
      'train',
      2,
      "deepsc-covid: windowBatch 2 is for 'infer' mode (sliding windows), not 'train'",
    ],
    ['segmentation-only', 'infer', 0, 'deepsc-covid: windowBatch 0 must be a positive integer'],
    ['segmentation-only', 'infer', 1.5, 'deepsc-covid: windowBatch 1.5 must be a positive integer'],
  ] as const)('%s in %s mode refuses windowBatch %s', (variant, mode, windowBatch, message) => {
    expect(() => model.create(config(variant), { seed: 1, mode, device: 'cpu', windowBatch })).toThrow(
      new WindowBatchError(message),
    );
  });
});
