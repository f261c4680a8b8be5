import { describe, expect, it } from 'vitest';
import { cropOrPad } from '../src/preprocess/crop-pad.js';
import { PatchSampler } from '../src/preprocess/patch.js';
import { Rng } from '../src/random.js';
import { createVolume } from '../src/volume.js';

type V3 = [number, number, number];
function lesionVolume(dims: V3, box: { lo: V3; hi: V3 }) {
  const d = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = box.lo[2]; k < box.hi[2]; k++)
    for (let j = box.lo[1]; j < box.hi[1]; j++)
      for (let i = box.lo[0]; i < box.hi[0]; i++) d[i + dims[0] * (j + dims[1] * k)] = 1;
  return createVolume(d, dims);
}

describe('PatchSampler', () => {
  const dims: V3 = [64, 64, 40];
  const lesion = lesionVolume(dims, { lo: [50, 50, 30], hi: [58, 60, 36] });

  it('lesionCount matches a direct count for boxes inside and across the border', () => {
    const s = new PatchSampler(dims, lesion, { size: [16, 16, 8] });
    for (const start of [
      [48, 48, 28],
      [0, 0, 0],
      [55, 55, 33],
      [-5, 40, 30],
    ] as V3[]) {
      const crop = cropOrPad(lesion, { start, size: [16, 16, 8] });
      const direct = crop.data.reduce((a, b) => a + b, 0);
      expect(s.lesionCount({ start, size: [16, 16, 8] })).toBe(direct);
    }
  });
  it.each([
    { p: 0.6, lo: 0.5, hi: 0.7 },
    { p: 1, lo: 1, hi: 1 },
    { p: 0, lo: 0, hi: 0.05 },
  ])('lesionProbability $p: the share of patches with >= 1% lesion is about p', ({ p, lo, hi }) => {
    const s = new PatchSampler(dims, lesion, {
      size: [16, 16, 8],
      lesionProbability: p,
      minLesionFraction: 0.01,
    });
    const rng = new Rng(5);
    const n = 400;
    let withLesion = 0;
    for (let t = 0; t < n; t++) {
      const c = s.sample(rng);
      const crop = cropOrPad(lesion, c.box);
      const frac = crop.data.reduce((a, b) => a + b, 0) / crop.data.length;
      expect(frac).toBeCloseTo(c.lesionFraction, 9);
      if (c.kind === 'lesion') expect(frac).toBeGreaterThanOrEqual(0.01);
      if (frac >= 0.01) withLesion++;
      expect(
        c.box.start.every((v, a) => v >= 0 && v + (c.box.size[a] as number) <= (dims[a] as number)),
      ).toBe(true);
    }
    expect(withLesion / n).toBeGreaterThanOrEqual(lo);
    expect(withLesion / n).toBeLessThanOrEqual(hi);
  });
  it('same seed, same patches', () => {
    const s = new PatchSampler(dims, lesion, { size: [16, 16, 8] });
    const a = new Rng(9);
    const b = new Rng(9);
    for (let t = 0; t < 20; t++) expect(s.sample(a)).toEqual(s.sample(b));
  });
  it('a volume smaller than the patch is covered by a padded patch', () => {
    const small = lesionVolume([10, 10, 4], { lo: [2, 2, 1], hi: [6, 6, 3] });
    const s = new PatchSampler([10, 10, 4], small, { size: [16, 16, 8], lesionProbability: 1 });
    const c = s.sample(new Rng(1));
    expect(c.kind).toBe('lesion');
    c.box.start.forEach((v, a) => {
      expect(v).toBeLessThanOrEqual(0);
      expect(v + (c.box.size[a] as number)).toBeGreaterThanOrEqual([10, 10, 4][a] as number);
    });
  });
  it('an unreachable minimum is reported as lesion-unmet, and a scan without lesion gives random patches', () => {
    const tiny = lesionVolume(dims, { lo: [10, 10, 10], hi: [11, 11, 11] });
    const c = new PatchSampler(dims, tiny, { size: [16, 16, 8], lesionProbability: 1 }).sample(new Rng(2));
    expect(c.kind).toBe('lesion-unmet');
    expect(c.lesionFraction).toBeGreaterThan(0);
    expect(new PatchSampler(dims, undefined, { size: [16, 16, 8] }).sample(new Rng(2)).kind).toBe('random');
  });
  it.each([
    ['a zero size', { size: [0, 16, 8] as V3 }, /size/],
    ['a probability above 1', { lesionProbability: 1.5 }, /lesionProbability/],
    ['a negative minimum', { minLesionFraction: -0.1 }, /minLesionFraction/],
    ['zero tries', { maxTries: 0 }, /maxTries/],
  ])('%s throws a RangeError', (_, o, msg) => {
    expect(() => new PatchSampler(dims, lesion, o)).toThrow(msg);
  });
  it('a lesion mask of other dims is refused', () => {
    expect(() => new PatchSampler([8, 8, 8], lesion)).toThrow(/dims/);
  });
});
