/**
 * The inferer with `windowBatch` B: one network call per B windows (`[B, C, d, h, w]`), the last
 * batch holding what is left; the result is bitwise the one-window result on the CPU, with a
 * network compiled for B (convolutions, instance norm, leaky ReLU, a strided stage and a
 * transposed-conv decoder: the U-Net's ops), for both sum precisions, overlaps 0 and 0.5 and
 * window counts that are not a multiple of B. Then the errors: bad `windowBatch`, a forward that
 * answers for the wrong number of windows, more windows than the compiled model takes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ChannelVolume,
  convBlock,
  decoderStage,
  GraphBuilder,
  liveTensorBytes,
  modelWindowForward,
  mulberry32,
  segmentationHead,
  slidingWindowInference,
  Tensor,
  type WindowForward,
  type WindowPlace,
} from '../src/index.js';

const WINDOW = [4, 8, 8] as const;

const volume = (shape: [number, number, number, number], seed: number): ChannelVolume => {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 4 - 2), shape };
};

/** A small U-Net-like network on windows of WINDOW, its input `[batch, 1, ...WINDOW]`; same seed, same weights. */
function network(batch: number) {
  const g = new GraphBuilder({ seed: 11 });
  const x = g.input('image', [batch, 1, ...WINDOW]);
  const a = convBlock(g, 'enc0', x, 4, { norm: 'instance', activation: 'leaky_relu' });
  const b = convBlock(g, 'enc1', a, 8, { norm: 'instance', activation: 'leaky_relu', stride: [1, 2, 2] });
  const up = decoderStage(g, 'dec0', b, a, 4, { norm: 'instance', activation: 'leaky_relu', convs: 1 });
  g.output('logits', segmentationHead(g, 'head', up, 2));
  return g.compile({ mode: 'infer' });
}

const bits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('inferer: windowBatch gives bitwise the one-window result (CPU)', () => {
  // window counts: [6, 16, 20] at overlap 0.5 -> 2 x 3 x 4 = 24; at overlap 0 -> 2 x 2 x 3 = 12;
  // [5, 9, 17] at 0.5 -> 2 x 2 x 4 = 16, at 0 -> 2 x 2 x 3 = 12; [3, 8, 8] (padded) -> 1
  const shapes: [number, number, number, number][] = [
    [1, 6, 16, 20],
    [1, 5, 9, 17],
    [1, 3, 8, 8],
  ];
  const one = network(1);
  const cases = [2, 3, 5].flatMap((B) =>
    [0, 0.5].flatMap((overlap) =>
      shapes.flatMap((shape) =>
        (['float64', 'float32'] as const).map((sums) => ({ B, overlap, shape, sums })),
      ),
    ),
  );
  const nets = new Map([2, 3, 5].map((B) => [B, network(B)]));
  afterAll(() => {
    one.dispose();
    for (const m of nets.values()) m.dispose();
  });

  it.each(cases)('B $B, overlap $overlap, image $shape, $sums sums', async ({ B, overlap, shape, sums }) => {
    const image = volume(shape, 7);
    const before = liveTensorBytes();
    const calls: number[] = [];
    const batched = modelWindowForward(nets.get(B) as ReturnType<typeof network>);
    const counting: WindowForward = (w, p, ps) => {
      calls.push(ps.length);
      return batched(w, p, ps);
    };
    const ref = await slidingWindowInference(modelWindowForward(one), image, {
      window: WINDOW,
      overlap,
      sums,
    });
    const done: number[] = [];
    const out = await slidingWindowInference(counting, image, {
      window: WINDOW,
      overlap,
      sums,
      windowBatch: B,
      onWindow: (d) => done.push(d),
    });
    expect(liveTensorBytes()).toBe(before);
    const total = done.length;
    // every call but the last holds B windows, the last what is left; onWindow per window
    expect(calls).toEqual([...new Array(Math.floor(total / B)).fill(B), ...(total % B ? [total % B] : [])]);
    expect(done).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(out.logits?.shape).toEqual(ref.logits?.shape);
    expect(bits(out.logits?.data as Float32Array, ref.logits?.data as Float32Array)).toBe(true);
  });

  it('the table covers window counts that are not multiples of B, and the padded single window', async () => {
    const counts: number[] = [];
    for (const shape of shapes)
      for (const overlap of [0, 0.5]) {
        let total = 0;
        await slidingWindowInference(modelWindowForward(one), volume(shape, 1), {
          window: WINDOW,
          overlap,
          onWindow: (_d, t) => {
            total = t;
          },
        });
        counts.push(total);
      }
    expect(counts).toEqual([12, 24, 12, 16, 1, 1]);
    for (const B of [2, 3, 5]) expect(counts.some((c) => c % B !== 0)).toBe(true);
  });

  it('hands the forward every window of the call with its place, in window order', async () => {
    const seen: WindowPlace[][] = [];
    const echo: WindowForward = async (w, place, places) => {
      expect(place).toBe(places[0]);
      seen.push([...places]);
      return { y: Tensor.from(w.data, w.shape) };
    };
    const image = volume([2, 5, 9, 17], 4);
    const out = await slidingWindowInference(echo, image, { window: WINDOW, overlap: 0, windowBatch: 5 });
    expect(seen.map((s) => s.length)).toEqual([5, 5, 2]);
    expect(seen.flat().map((p) => p.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(seen.flat().every((p) => p.total === 12)).toBe(true);
    // an echo gives back the image (float64 sums): each window's voxels went to its own place
    expect(bits(out.y?.data as Float32Array, image.data)).toBe(true);
  });
});

describe('inferer: windowBatch errors', () => {
  const image = volume([1, 4, 8, 8], 2);
  const echo: WindowForward = async (w) => ({ y: Tensor.from(w.data, w.shape) });

  it.each([0, -1, 1.5, Number.NaN, '2', 'x'])('windowBatch %s is refused naming the option', async (b) => {
    await expect(
      slidingWindowInference(echo, image, { window: WINDOW, windowBatch: b as never }),
    ).rejects.toThrow(
      new RangeError(`slidingWindowInference: windowBatch ${String(b)} must be a positive integer`),
    );
  });

  it('a forward that answers for one window when given two is named', async () => {
    const single: WindowForward = async () => ({ y: Tensor.zeros([1, 1, ...WINDOW]) });
    const big = volume([1, 4, 8, 16], 2);
    const before = liveTensorBytes();
    await expect(
      slidingWindowInference(single, big, { window: WINDOW, overlap: 0, windowBatch: 2 }),
    ).rejects.toThrow(
      "slidingWindowInference: output 'y' is [1, 1, 4, 8, 8], expected [2, K, 4, 8, 8] (per-voxel, the window's size, one per window of the call)",
    );
    expect(liveTensorBytes()).toBe(before);
  });

  it('a model compiled for fewer windows than windowBatch is named', async () => {
    const m = network(2);
    const big = volume([1, 4, 8, 24], 2);
    await expect(
      slidingWindowInference(modelWindowForward(m), big, { window: WINDOW, overlap: 0, windowBatch: 3 }),
    ).rejects.toThrow(
      "modelWindowForward: 3 windows in one call, but the model's input 'image' takes 2 (windowBatch must be at most 2)",
    );
    m.dispose();
  });
});
