import { describe, expect, it } from 'vitest';
import { readNifti } from '../src/index.js';
import { applyInBox } from '../src/lung/box-op.js';
import { connectedComponents } from '../src/lung/connected-components.js';
import { squaredDistanceToBackground } from '../src/lung/distance-transform.js';
import { lungMask } from '../src/lung/lung-mask.js';
import { maskDice } from '../src/lung/mask-overlap.js';
import { close, dilate, erode, fillHolesPerSlice } from '../src/lung/morphology.js';
import { Rng } from '../src/random.js';
import { generateScan } from '../src/synth/generate-scan.js';
import { createVolume, scaledAffine } from '../src/volume.js';

type V3 = [number, number, number];

describe('connected components', () => {
  // two voxels touching only at a corner, and two touching at an edge
  const dims: V3 = [4, 4, 4];
  const m = new Uint8Array(64);
  m[0] = 1;
  m[1 + 4 * (1 + 4 * 1)] = 1;
  m[3 + 4 * (3 + 4 * 3)] = 1;
  m[3 + 4 * (2 + 4 * 2)] = 1;
  it.each([
    { c: 6 as const, count: 4 },
    { c: 18 as const, count: 3 },
    { c: 26 as const, count: 2 },
  ])('connectivity $c gives $count components', ({ c, count }) => {
    const r = connectedComponents(m, dims, c);
    expect(r.sizes.length).toBe(count);
    expect(r.sizes.reduce((a, b) => a + b, 0)).toBe(4);
  });
  it('rejects bad input', () => {
    expect(() => connectedComponents(m, [4, 4, 3], 6)).toThrow(/voxels/);
    expect(() => connectedComponents(m, dims, 8 as 6)).toThrow(/connectivity/);
  });
});

describe('distance transform', () => {
  it.each([
    { dims: [7, 6, 5] as V3, spacing: [1, 1, 1] as V3, seed: 1 },
    { dims: [9, 5, 4] as V3, spacing: [0.7, 1.3, 2.5] as V3, seed: 2 },
  ])('matches brute force ($spacing mm)', ({ dims, spacing, seed }) => {
    const rng = new Rng(seed);
    const n = dims[0] * dims[1] * dims[2];
    const m = Uint8Array.from({ length: n }, () => (rng.next() < 0.85 ? 1 : 0));
    const d = squaredDistanceToBackground(m, dims, spacing);
    const bg: V3[] = [];
    for (let o = 0; o < n; o++)
      if (!m[o])
        bg.push([o % dims[0], Math.floor(o / dims[0]) % dims[1], Math.floor(o / (dims[0] * dims[1]))]);
    for (let o = 0; o < n; o++) {
      const p: V3 = [o % dims[0], Math.floor(o / dims[0]) % dims[1], Math.floor(o / (dims[0] * dims[1]))];
      let best = m[o] ? Number.POSITIVE_INFINITY : 0;
      if (m[o])
        for (const q of bg)
          best = Math.min(
            best,
            ((p[0] - q[0]) * spacing[0]) ** 2 +
              ((p[1] - q[1]) * spacing[1]) ** 2 +
              ((p[2] - q[2]) * spacing[2]) ** 2,
          );
      expect(d[o]).toBeCloseTo(best, 9);
    }
  });
});

describe('morphology', () => {
  const dims: V3 = [9, 9, 3];
  const one = new Uint8Array(243);
  one[4 + 9 * (4 + 9)] = 1;
  it('dilating a voxel by 1 mm gives the 6-neighbourhood, by 1.5 mm the 18-neighbourhood', () => {
    expect(dilate(one, dims, [1, 1, 1], 1).reduce((a, b) => a + b, 0)).toBe(7);
    expect(dilate(one, dims, [1, 1, 1], 1.5).reduce((a, b) => a + b, 0)).toBe(19);
  });
  it('erosion undoes dilation of a single voxel, closing keeps it', () => {
    expect(erode(dilate(one, dims, [1, 1, 1], 1), dims, [1, 1, 1], 1).reduce((a, b) => a + b, 0)).toBe(1);
    expect(close(one, dims, [1, 1, 1], 1)[4 + 9 * (4 + 9)]).toBe(1);
  });
  it.each([1, 2, 3])(
    'closing and hole filling on the bounding box equal the full-volume result (seed %i)',
    (seed) => {
      const d: V3 = [30, 26, 12];
      const sp: V3 = [0.8, 0.8, 2];
      const rng = new Rng(seed);
      const m = new Uint8Array(30 * 26 * 12);
      const c = [rng.uniform(8, 22), rng.uniform(8, 18), rng.uniform(3, 9)];
      m.forEach((_, o) => {
        const i = o % 30;
        const j = Math.floor(o / 30) % 26;
        const k = Math.floor(o / 780);
        const r = Math.hypot(
          (i - (c[0] as number)) / 6,
          (j - (c[1] as number)) / 5,
          (k - (c[2] as number)) / 3,
        );
        m[o] = r < 1 && rng.next() < 0.9 ? 1 : 0;
      });
      const full = fillHolesPerSlice(close(m, d, sp, 2), d);
      const margin = sp.map((s) => Math.ceil(2 / s) + 2) as V3;
      expect(applyInBox(m, d, margin, (sub, sd) => fillHolesPerSlice(close(sub, sd, sp, 2), sd))).toEqual(
        full,
      );
      expect(applyInBox(new Uint8Array(m.length), d, margin, (sub) => sub).every((v) => v === 0)).toBe(true);
    },
  );
  it('fillHolesPerSlice fills a ring but not an open C', () => {
    const ring = new Uint8Array(243);
    for (let j = 2; j <= 6; j++)
      for (let i = 2; i <= 6; i++) if (i === 2 || i === 6 || j === 2 || j === 6) ring[i + 9 * (j + 9)] = 1;
    const filled = fillHolesPerSlice(ring, dims);
    expect(filled[4 + 9 * (4 + 9)]).toBe(1);
    ring[6 + 9 * (4 + 9)] = 0;
    expect(fillHolesPerSlice(ring, dims)[4 + 9 * (4 + 9)]).toBe(0);
  });
});

describe('lung mask on synthetic scans', () => {
  it.each([
    // dense subpleural consolidation falls below the threshold and outside the closing: pneumonia
    // scans score lower (this one has 17% of its lung in lesions; heavily consolidated ones reach 0.86 on a side)
    { label: 'covid' as const, seed: 'lung-a', min: 0.93, sideMin: 0.9 },
    { label: 'cap' as const, seed: 'lung-b', min: 0.95, sideMin: 0.93 },
    { label: 'normal' as const, seed: 'lung-c', min: 0.97, sideMin: 0.95 },
  ])(
    '$label: Dice >= $min against the ground truth, >= $sideMin per side with the right labels',
    ({ label, seed, min, sideMin }) => {
      const scan = generateScan(label, seed, { inPlane: 64, slices: [40, 44] });
      const r = lungMask(scan.image);
      expect(r.lungs.map((l) => l.side).sort()).toEqual(['left', 'right']);
      expect(maskDice(r.mask.data, scan.lung.data)).toBeGreaterThanOrEqual(min);
      expect(maskDice(r.mask.data, scan.lung.data, 1)).toBeGreaterThanOrEqual(sideMin);
      expect(maskDice(r.mask.data, scan.lung.data, 2)).toBeGreaterThanOrEqual(sideMin);
    },
  );
});

describe('lung mask on odd input never fails silently', () => {
  const dims: V3 = [24, 24, 6];
  it('a volume without air: empty mask and a warning', () => {
    const r = lungMask(createVolume(new Int16Array(24 * 24 * 6).fill(40), dims));
    expect(r.lungs).toEqual([]);
    expect(r.mask.data.every((v) => v === 0)).toBe(true);
    expect(r.warnings[0]).toMatch(/no voxel below -320 HU/);
  });
  it('a crop inside the lung: empty by default with a warning; outsideAir keep finds it, with warnings', () => {
    const ct = createVolume(
      new Int16Array(24 * 24 * 6).fill(-850),
      dims,
      scaledAffine([2, 2, 5], [-80, 0, 0]),
    );
    const r = lungMask(ct);
    expect(r.lungs).toEqual([]);
    expect(r.warnings[0]).toMatch(/crop inside the lung/);
    const k = lungMask(ct, { outsideAir: 'keep', minLungMl: 0 });
    expect(k.lungs).toHaveLength(1);
    expect(k.lungs[0]?.side).toBe('left');
    expect(k.warnings.join(' ')).toMatch(/isocentre/);
    expect(k.warnings.join(' ')).toMatch(/far below an adult lung/);
    expect(lungMask(ct, { outsideAir: 'keep', minLungMl: 100 }).warnings[0]).toMatch(/below minLungMl/);
  });
  it('the real LIDC-IDRI crops: no crash, no lung without a warning', async () => {
    for (const f of ['LIDC-IDRI-0005_R_1', 'LIDC-IDRI-0012_R_1', 'LIDC-IDRI-0045_R_5']) {
      const ct = await readNifti(new URL(`./fixtures/lidc/${f}.nii.gz`, import.meta.url).pathname);
      for (const outsideAir of ['remove', 'keep'] as const) {
        const r = lungMask(ct, { outsideAir, minLungMl: 0 });
        expect(r.mask.dims).toEqual(ct.dims);
        expect(r.warnings.length).toBeGreaterThan(0);
      }
      // the crops lie right of the isocentre (x > 0 in RAS), so a kept lung is labelled right
      expect(lungMask(ct, { outsideAir: 'keep', minLungMl: 0 }).lungs[0]?.side).toBe('right');
    }
  });
  it.each([
    ['a non-finite threshold', { thresholdHu: Number.NaN }, /thresholdHu/],
    ['a negative minimum', { minLungMl: -1 }, /minLungMl/],
    ['a bad outsideAir', { outsideAir: 'drop' as 'keep' }, /outsideAir/],
    ['a negative closing', { closingMm: -2 }, /closingMm/],
  ])('%s throws a RangeError', (_, o, msg) => {
    expect(() => lungMask(createVolume(new Int16Array(8), [2, 2, 2]), o)).toThrow(msg);
  });
});
