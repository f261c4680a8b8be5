/**
 * The U-Net's inference network created with `windowBatch` B: its input takes B windows and
 * `predict` runs them B at a time, bitwise what batch 1 predicts (overlaps 0 and 0.5, images
 * whose window count is not a multiple of B, an image smaller than the window); bad window
 * batches refused naming the model.
 */
import { mulberry32, WindowBatchError } from '@deepsc/core';
import { afterAll, describe, expect, it } from 'vitest';
import { model, resolveUnet3dConfig, type Unet3dInstance } from '../src/index.js';

const tiny = resolveUnet3dConfig({ model: { preset: 'tiny' } });

const made: Unet3dInstance[] = [];
const create = (windowBatch?: number) => {
  const net = model.create(tiny, {
    seed: 4,
    mode: 'infer',
    device: 'cpu',
    ...(windowBatch !== undefined ? { windowBatch } : {}),
  });
  made.push(net);
  return net;
};
afterAll(() => {
  for (const n of made) n.model.dispose();
});

const image = (dims: [number, number, number], seed: number) => {
  const r = mulberry32(seed);
  return { dims, data: Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => r() * 2 - 1) };
};

describe('unet3d: windowBatch B is bitwise batch 1 (CPU)', () => {
  // tiny window [8, 16, 16] (D, H, W); dims [i, j, k] = [W, H, D]
  const one = create();
  const nets = new Map([2, 3, 4].map((B) => [B, create(B)]));
  const cases = [2, 3, 4].flatMap((B) =>
    [
      { dims: [24, 16, 12], overlap: 0.5, windows: 4 },
      { dims: [24, 16, 12], overlap: 0, windows: 4 },
      { dims: [20, 20, 20], overlap: 0.5, windows: 16 },
      { dims: [40, 16, 8], overlap: 0, windows: 3 },
      { dims: [10, 9, 5], overlap: 0.5, windows: 1 },
    ].map((c) => ({ B, ...c })),
  );

  it.each(cases)(
    'B $B, image $dims, overlap $overlap ($windows windows)',
    async ({ B, dims, overlap, windows }) => {
      const net = nets.get(B) as Unet3dInstance;
      expect(net.model.inputs.image).toEqual([B, 1, 8, 16, 16]);
      const img = image(dims as [number, number, number], 9);
      let total = 0;
      const ref = await model.predict(one, img, { overlap });
      const p = await model.predict(net, img, { overlap, onWindow: (_d, t) => (total = t) });
      expect(total).toBe(windows);
      const a = p.lesion as Float32Array;
      const b = ref.lesion as Float32Array;
      expect(a.length).toBe(dims.reduce((x: number, y: number) => x * y, 1));
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    },
  );

  it('the table has window counts that are not multiples of each B', () => {
    const counts = [4, 16, 3, 1];
    for (const B of [2, 3, 4]) expect(counts.some((c) => c % B !== 0)).toBe(true);
  });
});

describe('unet3d: windowBatch refused', () => {
  it.each([
    ['infer', 0, 'unet3d: windowBatch 0 must be a positive integer'],
    ['infer', -1, 'unet3d: windowBatch -1 must be a positive integer'],
    ['infer', 2.5, 'unet3d: windowBatch 2.5 must be a positive integer'],
    ['train', 2, "unet3d: windowBatch 2 is for 'infer' mode (sliding windows), not 'train'"],
  ] as const)('%s mode, windowBatch %s', (mode, windowBatch, message) => {
    expect(() => model.create(tiny, { seed: 1, mode, device: 'cpu', windowBatch })).toThrow(
      new WindowBatchError(message),
    );
  });
});
