import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../src/dataset/manifest.js';
import { connectedComponents } from '../src/lung/connected-components.js';
import { readNifti } from '../src/nifti/read.js';
import { Rng } from '../src/random.js';
import { assignLabels, type CohortOptions, generateCohort, MAX_COHORT_SCANS } from '../src/synth/cohort.js';
import {
  generateScan,
  MAX_SYNTH_IN_PLANE,
  MAX_SYNTH_SLICES,
  type SynthScan,
} from '../src/synth/generate-scan.js';
import { voxelToWorld } from '../src/volume.js';

const small = { inPlane: 64, slices: [32, 36] as [number, number] };

describe('generateScan', () => {
  it('same seed, same voxels; another seed, others', () => {
    const a = generateScan('covid', 'rep-1', small);
    const b = generateScan('covid', 'rep-1', small);
    expect(b.image.data).toEqual(a.image.data);
    expect(b.lesion.data).toEqual(a.lesion.data);
    expect(b.params).toEqual(a.params);
    expect(generateScan('covid', 'rep-2', small).image.data).not.toEqual(a.image.data);
  });
  it.each(['covid', 'cap', 'normal'] as const)(
    '%s: types, value sets, lesions inside the lung, right lung at RAS x > 0',
    (label) => {
      const s = generateScan(label, `types-${label}`, small);
      expect(s.image.data).toBeInstanceOf(Int16Array);
      expect(s.lesion.data).toBeInstanceOf(Uint8Array);
      expect(s.image.dims[2]).toBeGreaterThanOrEqual(32);
      expect(s.image.dims[2]).toBeLessThanOrEqual(36);
      expect([...new Set(s.lung.data)].sort()).toEqual([0, 1, 2]);
      let outside = 0;
      let lesion = 0;
      const sx = [0, 0, 0];
      const n = [0, 0, 0];
      const [ni, nj] = s.image.dims;
      s.lesion.data.forEach((v, o) => {
        if (v > 1) throw new Error(`lesion value ${v}`);
        if (v) lesion++;
        if (v && !s.lung.data[o]) outside++;
        const l = s.lung.data[o] as number;
        if (l) {
          sx[l] =
            (sx[l] as number) +
            voxelToWorld(s.image.affine, o % ni, Math.floor(o / ni) % nj, Math.floor(o / (ni * nj)))[0];
          n[l] = (n[l] as number) + 1;
        }
      });
      expect(outside).toBe(0);
      expect((sx[1] as number) / (n[1] as number)).toBeGreaterThan(0);
      expect((sx[2] as number) / (n[2] as number)).toBeLessThan(0);
      if (label === 'normal') expect(lesion).toBe(0);
      else expect(lesion).toBeGreaterThan(0);
      // air outside, lung parenchyma, soft tissue and bone all present
      const hu = s.image.data;
      expect(hu.reduce((a, b) => Math.min(a, b), 0)).toBeLessThan(-900);
      expect(hu.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(300);
    },
  );
  it.each([
    ['a small in-plane size', { inPlane: 16 }, /inPlane/],
    ['an inverted slice range', { slices: [40, 30] as [number, number] }, /slices/],
    ['an atypical probability above 1', { atypicalProbability: 2 }, /atypicalProbability/],
  ])('%s throws a RangeError', (_, o, msg) => {
    expect(() => generateScan('cap', 1, o)).toThrow(msg);
  });
});

describe('class statistics follow the four findings (typical presentations)', () => {
  const scans: Record<string, SynthScan[]> = { covid: [], cap: [] };
  for (const label of ['covid', 'cap'] as const) {
    for (let s = 0; s < 8; s++)
      scans[label]?.push(generateScan(label, `stats-${label}-${s}`, { ...small, atypicalProbability: 0 }));
  }
  const mean = (label: string, f: (s: SynthScan) => number) =>
    (scans[label] as SynthScan[]).reduce((a, s) => a + f(s), 0) / 8;
  const count = (s: SynthScan) => connectedComponents(s.lesion.data, s.lesion.dims, 26).sizes.length;
  const consolidation = (s: SynthScan) => {
    let c = 0;
    let t = 0;
    s.lesion.data.forEach((v, o) => {
      if (!v) return;
      t++;
      if ((s.image.data[o] as number) > -300) c++;
    });
    return t ? c / t : 0;
  };
  const bilateral = (s: SynthScan) => {
    const side = [0, 0, 0];
    s.lesion.data.forEach((v, o) => {
      if (v) side[s.lung.data[o] as number] = (side[s.lung.data[o] as number] as number) + 1;
    });
    return Math.min(side[1] as number, side[2] as number) > 0.05 * ((side[1] as number) + (side[2] as number))
      ? 1
      : 0;
  };
  it('count: COVID-19 multifocal, CAP mostly single', () => {
    expect(mean('covid', count)).toBeGreaterThan(2.5);
    expect(mean('cap', count)).toBeLessThan(2);
  });
  it('volume: COVID-19 lesions occupy more of the lung', () => {
    expect(mean('covid', (s) => s.params.measured.lesionVolumeRatio)).toBeGreaterThan(
      2 * mean('cap', (s) => s.params.measured.lesionVolumeRatio),
    );
  });
  it('density: CAP has the larger consolidated fraction', () => {
    expect(mean('cap', consolidation)).toBeGreaterThan(mean('covid', consolidation) + 0.1);
  });
  it('location: COVID-19 bilateral and peripheral, CAP mostly unilateral and deeper', () => {
    expect(mean('covid', bilateral)).toBeGreaterThan(0.6);
    expect(mean('cap', bilateral)).toBeLessThan(0.4);
    const depth = (s: SynthScan) =>
      s.params.lesions.reduce((a, l) => a + l.depthMm, 0) / Math.max(1, s.params.lesions.length);
    expect(mean('cap', depth)).toBeGreaterThan(mean('covid', depth) + 10);
  });
});

describe('generateCohort', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  it('writes NIfTI files and manifests; the bytes do not depend on the worker count', async () => {
    const a = await mkdtemp(join(tmpdir(), 'deepsc-synth-a-'));
    const b = await mkdtemp(join(tmpdir(), 'deepsc-synth-b-'));
    dirs.push(a, b);
    const opts = { n: 5, seed: 3, inPlane: 48, slices: [24, 26] as [number, number] };
    const ra = await generateCohort({ ...opts, out: a, workers: 2 });
    await generateCohort({ ...opts, out: b, workers: 0 });
    for (const e of ra.entries) {
      for (const f of [e.image, e.lesion, e.lung])
        expect(await readFile(join(b, f))).toEqual(await readFile(join(a, f)));
    }
    expect(await readFile(join(b, 'manifest.json'), 'utf8')).toBe(
      await readFile(join(a, 'manifest.json'), 'utf8'),
    );
    const img = await readNifti(join(a, ra.entries[0]?.image as string));
    expect(img.data).toBeInstanceOf(Int16Array);
    expect((await readNifti(join(a, ra.entries[0]?.lung as string))).data).toBeInstanceOf(Uint8Array);
    const mj = await readManifest(ra.manifestJson);
    const mc = await readManifest(ra.manifestCsv);
    expect(mj.entries.map((e) => e.id)).toEqual(mc.entries.map((e) => e.id));
    expect(mj.entries.map((e) => e.label)).toEqual(ra.entries.map((e) => e.label));
  });
  it('label counts follow the fractions by largest remainder, shuffled by seed', () => {
    const l = assignLabels(10, { covid: 0.44, cap: 0.3, normal: 0.26 }, new Rng(1));
    expect(l.filter((x) => x === 'covid')).toHaveLength(4);
    expect(l.filter((x) => x === 'cap')).toHaveLength(3);
    expect(l.filter((x) => x === 'normal')).toHaveLength(3);
    expect(assignLabels(10, { covid: 0.44, cap: 0.3, normal: 0.26 }, new Rng(1))).toEqual(l);
    expect(() => assignLabels(3, { covid: -1, cap: 1, normal: 1 }, new Rng(1))).toThrow(/classFractions/);
  });
  it.each<[string, Partial<CohortOptions>, RegExp]>([
    ['n 0', { n: 0 }, /n must be an integer in 1\.\.100000, got 0/],
    ['n 1e12', { n: 1e12 }, /n must be an integer in 1\.\.100000, got 1000000000000/],
    ['n 100001', { n: MAX_COHORT_SCANS + 1 }, /n must be an integer in 1\.\.100000/],
    ['n 2.5', { n: 2.5 }, /n must be an integer/],
    [
      'in-plane over the cap',
      { inPlane: MAX_SYNTH_IN_PLANE + 1 },
      /inPlane must be an integer in 32\.\.512, got 513/,
    ],
    ['slices over the cap', { slices: [16, MAX_SYNTH_SLICES + 1] }, /hi <= 512, got \[16, 513\]/],
    ['100000 workers', { workers: 100_000 }, /workers must be an integer in 0\.\.64, got 100000/],
    ['negative workers', { workers: -1 }, /workers must be an integer in 0\.\.64/],
  ])('refuses %s before writing anything', async (_name, o, message) => {
    const out = join(await mkdtemp(join(tmpdir(), 'deepsc-synth-bad-')), 'cohort');
    await expect(generateCohort({ out, n: 2, ...o })).rejects.toThrow(message);
    await expect(generateCohort({ out, n: 2, ...o })).rejects.toBeInstanceOf(RangeError);
    expect(existsSync(out)).toBe(false);
  });
});
