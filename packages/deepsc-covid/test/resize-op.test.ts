import { GraphBuilder, mulberry32, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { resizeTrilinear } from '../src/layers.js';
import type { Size3 } from '../src/strides.js';

type Shape5 = [number, number, number, number, number];

/** Forward output and input gradient of `x` resized to `size` by the native op or the network's matrices. */
async function run(kind: 'op' | 'matrices', x: Tensor, seed: Tensor, size: Size3) {
  const g = new GraphBuilder();
  const xi = g.input('x', x.shape as Shape5);
  g.output('y', kind === 'op' ? g.resize(xi, { mode: 'trilinear', size }) : resizeTrilinear(g, xi, size));
  const m = g.compile({ seedOutputs: ['y'], inputGradients: ['x'] });
  try {
    const out = await m.forward({ x });
    const y = (out.y as Tensor).toArray();
    for (const t of Object.values(out)) t.dispose();
    await m.backward({ y: seed });
    const gt = m.gradient('x');
    const dx = gt.toArray();
    gt.dispose();
    return { y, dx };
  } finally {
    m.dispose();
  }
}

const maxAbsDiff = (a: number[], b: number[]) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

/**
 * The network resizes with fixed 1x1x1-convolution matrices (`resizeTrilinear`), not the native
 * `resize` op: both are PyTorch's align_corners=False, but they round differently (the op's
 * index arithmetic is in float32, as PyTorch's CPU kernels), so switching would move every
 * trained weight's last bits and the demo's figures (docs/architecture.md, "Written once").
 * This pins that they sample the same positions: agreement to a few float32 ulps of the
 * inputs' scale, forward and backward, on the network's own resize shapes. Should the two ever
 * agree bitwise, the last check fails: then the network can take the op (4-20x faster at the
 * paper's sizes) without changing a figure.
 */
describe('resizeTrilinear and the native resize op compute the same resampling', () => {
  const rand = mulberry32(5);
  it.each<[string, Shape5, Size3]>([
    ['side output /2 (cpu preset)', [1, 2, 4, 16, 16], [8, 32, 32]],
    ['side output /8 (cpu preset)', [1, 2, 2, 4, 4], [8, 32, 32]],
    ['fused logits to the patch (tiny preset)', [1, 2, 2, 4, 4], [4, 8, 8]],
    ['non-integer factors, down and up', [2, 3, 7, 9, 11], [5, 4, 13]],
  ])('%s: within 8 ulp of the scale, not bitwise', async (_, shape, size) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ny = shape[0] * shape[1] * size[0] * size[1] * size[2];
    const x = Tensor.from(
      Float32Array.from({ length: n }, () => rand() * 8 - 4),
      shape,
    );
    const seed = Tensor.from(
      Float32Array.from({ length: ny }, () => rand() * 2 - 1),
      [shape[0], shape[1], ...size],
    );
    try {
      const a = await run('matrices', x, seed, size);
      const b = await run('op', x, seed, size);
      const ulp = 2 ** -23;
      expect(maxAbsDiff(a.y, b.y)).toBeLessThanOrEqual(8 * 4 * ulp); // |x| < 4
      const gscale = Math.max(...a.dx.map(Math.abs));
      expect(maxAbsDiff(a.dx, b.dx)).toBeLessThanOrEqual(8 * gscale * ulp);
      expect(a.y).not.toEqual(b.y);
    } finally {
      x.dispose();
      seed.dispose();
    }
  });
});
