/**
 * `predict` on core's sliding-window inferer gives, bit for bit, what DeepSC-COVID's own window
 * loop gave before it (test/support/predict-before-inferer.ts): every variant, scans smaller
 * than, equal to and larger than the patch grid, non-cubic, overlap 0, 0.5 and 0.75, both
 * patch grids.
 */
import { mulberry32 } from '@deepsc/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeepScCovid, type DeepScCovidNetwork } from '../src/network.js';
import { predict } from '../src/predict.js';
import { presetConfig } from '../src/presets.js';
import type { PatchGrid } from '../src/sliding-window.js';
import { VARIANTS, type Variant } from '../src/variant.js';
import { predictBeforeInferer } from './support/predict-before-inferer.js';

type Shape = [number, number, number];

const volume = (shape: Shape, seed: number) => {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => r() * 2 - 1), shape };
};

/** The bits of a float32 volume, so that equality is bitwise (and NaN equals NaN). */
const bits = (v: { data: Float32Array } | undefined) =>
  v ? Array.from(new Uint32Array(v.data.buffer, v.data.byteOffset, v.data.length)) : undefined;

// tiny preset: wholeSize [8, 8, 8], patchSize [4, 8, 8]; the native grid is max(scan, patch) in depth.
const GEOMETRIES: { name: string; shape: Shape; overlap: number; patchGrid: PatchGrid }[] = [
  { name: 'smaller than the patch grid, native', shape: [3, 5, 6], overlap: 0.5, patchGrid: 'native' },
  { name: 'equal to the patch grid, overlap 0', shape: [8, 8, 8], overlap: 0, patchGrid: 'whole-scan' },
  { name: 'larger, non-cubic, overlap 0.75', shape: [11, 13, 9], overlap: 0.75, patchGrid: 'native' },
  { name: 'larger, non-cubic, whole-scan grid', shape: [20, 10, 12], overlap: 0.5, patchGrid: 'whole-scan' },
  { name: 'larger, non-cubic, overlap 0', shape: [13, 7, 17], overlap: 0, patchGrid: 'native' },
];

const nets = new Map<Variant, DeepScCovidNetwork>();
const net = (variant: Variant) => {
  let n = nets.get(variant);
  if (!n) {
    n = createDeepScCovid(presetConfig('tiny', { variant }), { seed: 7 });
    nets.set(variant, n);
  }
  return n;
};
afterAll(() => {
  for (const n of nets.values()) n.model.dispose();
});

const CASES = VARIANTS.flatMap((variant) => GEOMETRIES.map((g, i) => ({ variant, ...g, seed: 11 + i })));

describe('predict on the shared inferer is bitwise the former window loop', () => {
  it.each(CASES)('$variant: $name', async ({ variant, shape, overlap, patchGrid, seed }) => {
    const v = volume(shape, seed);
    const progress: number[][] = [];
    const now = await predict(net(variant), v, {
      overlap,
      patchGrid,
      onWindow: (d, t) => progress.push([d, t]),
    });
    const before = await predictBeforeInferer(net(variant), v, { overlap, patchGrid });
    expect(now.windows).toBe(before.windows);
    expect(progress).toEqual(Array.from({ length: before.windows }, (_, i) => [i + 1, before.windows]));
    expect(now.classProbabilities).toStrictEqual(before.classProbabilities);
    expect(bits(now.lesion)).toStrictEqual(bits(before.lesion));
    expect(bits(now.evidence)).toStrictEqual(bits(before.evidence));
    expect(now.lesion?.shape).toStrictEqual(before.lesion?.shape);
    expect(now.evidence?.shape).toStrictEqual(before.evidence?.shape);
    // what each variant returns, so that a comparison of two absent results cannot pass by itself
    expect(now.lesion !== undefined).toBe(variant !== 'classification-only');
    expect(now.classProbabilities !== undefined).toBe(variant !== 'segmentation-only');
  });

  it('the table has several windows blended per voxel (not only one-window cases)', async () => {
    const p = await predict(net('joint'), volume([11, 13, 9], 1), { overlap: 0.75, patchGrid: 'native' });
    expect(p.windows).toBeGreaterThan(3);
  });
});
