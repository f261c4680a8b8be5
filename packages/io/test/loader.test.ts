import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanLoader } from '../src/dataset/loader.js';
import { readManifest } from '../src/dataset/manifest.js';
import { type PreparedScan, prepareScan } from '../src/dataset/prepare.js';
import { generateCohort } from '../src/synth/cohort.js';

let dir = '';
let cache = '';
let scans: Awaited<ReturnType<typeof readManifest>>['entries'] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-loader-'));
  cache = join(dir, 'cache');
  const c = await generateCohort({ out: dir, n: 4, seed: 11, inPlane: 48, slices: [24, 26], workers: 0 });
  scans = (await readManifest(c.manifestJson)).entries;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareScan', () => {
  it('windows to [0, 1], masks by the lung, resamples to a shape with labels intact', async () => {
    const s = await prepareScan(scans[0] as (typeof scans)[number], { shape: [32, 32, 16] });
    expect(s.image.dims).toEqual([32, 32, 16]);
    expect(s.lung?.dims).toEqual([32, 32, 16]);
    let outside = 0;
    for (let o = 0; o < s.image.data.length; o++) {
      const v = s.image.data[o] as number;
      expect(v >= 0 && v <= 1).toBe(true);
      if (!s.lung?.data[o] && v !== 0) outside++;
    }
    expect(outside).toBe(0);
    expect([...new Set(s.lung?.data)].every((v) => v <= 2)).toBe(true);
  });
  it('crops to the lungs with a margin', async () => {
    const s = await prepareScan(scans[0] as (typeof scans)[number], {
      cropToLungMarginMm: 5,
      lungMasking: 'none',
    });
    expect(s.image.dims[0]).toBeLessThan(48);
  });
  it.each([
    [
      'spacing and shape together',
      { spacing: [2, 2, 2] as [number, number, number], shape: [8, 8, 8] as [number, number, number] },
      /not both/,
    ],
    ['a bad lung mask source', { lungMask: 'guess' as 'file' }, /lungMask/],
  ])('%s is refused', async (_, o, msg) => {
    await expect(prepareScan(scans[0] as (typeof scans)[number], o)).rejects.toThrow(msg);
  });
});

describe('ScanLoader', () => {
  it('second epoch hits the cache and yields identical volumes, in the requested order', async () => {
    const loader = new ScanLoader(scans, {
      cacheDir: cache,
      workers: 2,
      prefetch: 2,
      preprocess: { shape: [32, 32, 16] },
    });
    try {
      const order = [2, 0, 3, 1];
      const first: PreparedScan[] = [];
      for await (const s of loader.iterate(order)) first.push(s);
      expect(first.map((s) => s.id)).toEqual(order.map((i) => scans[i]?.id));
      expect(loader.stats).toEqual({ requested: 4, cacheHits: 0, cacheMisses: 4, loaded: 4 });
      const second: PreparedScan[] = [];
      for await (const s of loader.iterate(order)) second.push(s);
      expect(loader.stats.cacheHits).toBe(4);
      second.forEach((s, i) => {
        expect(s.image.data).toEqual(first[i]?.image.data);
        expect(s.lesion?.data).toEqual(first[i]?.lesion?.data);
        expect(s.image.affine).toEqual(first[i]?.image.affine);
      });
      expect((await readdir(cache)).filter((f) => f.endsWith('.json'))).toHaveLength(4);
    } finally {
      await loader.close();
    }
  });
  it('never requests more than prefetch scans ahead of the consumer', async () => {
    const loader = new ScanLoader([...scans, ...scans, ...scans], {
      workers: 2,
      prefetch: 3,
      preprocess: { shape: [16, 16, 8] },
    });
    try {
      let seen = 0;
      for await (const _ of loader.iterate()) {
        seen++;
        // the scan being handed over left the queue, and at most `prefetch` more were asked for
        expect(loader.stats.requested).toBeLessThanOrEqual(seen + 3);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toBe(12);
      expect(loader.stats.requested).toBe(12);
    } finally {
      await loader.close();
    }
  });
  it('other options make other cache entries', async () => {
    const loader = new ScanLoader(scans.slice(0, 1), {
      cacheDir: cache,
      workers: 0,
      preprocess: { shape: [16, 16, 8] },
    });
    for await (const _ of loader.iterate()) void _;
    expect(loader.stats.cacheMisses).toBe(1);
    await loader.close();
  });
  it('a failing scan rejects with its id; bad options and indices are refused', async () => {
    const loader = new ScanLoader([{ id: 'ghost', label: 'cap', image: join(dir, 'missing.nii') }], {
      workers: 1,
    });
    const it1 = loader.iterate();
    await expect(it1.next()).rejects.toThrow(/scan ghost/);
    await expect(loader.iterate([3]).next()).rejects.toThrow(/outside 0\.\.0/);
    await loader.close();
    expect(() => new ScanLoader(scans, { prefetch: 0 })).toThrow(/prefetch/);
    expect(() => new ScanLoader(scans, { workers: -1 })).toThrow(/workers/);
  });
});
