import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Affine,
  assertSameGrid,
  createVolume,
  encodeNifti,
  FormatError,
  GRID_TOLERANCE,
  GridMismatchError,
  gridDifference,
  MAX_MANIFEST_BYTES,
  ManifestError,
  type PreparedScan,
  readManifest,
  readNifti,
  removeStaleAtomicTemporaries,
  type ScanFiles,
  ScanLoader,
  scaledAffine,
  writeNifti,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'deepsc-scan-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dims: [number, number, number] = [8, 8, 6];
const n = dims[0] * dims[1] * dims[2];
const grid = scaledAffine([1.5, 1.5, 2.5]);
const file = (name: string, bytes: Uint8Array | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const image = file('image.nii', encodeNifti(createVolume(new Int16Array(n).fill(-800), dims, grid)));
const mask = (affine: Affine, d = dims) =>
  encodeNifti(createVolume(new Uint8Array(d[0] * d[1] * d[2]).fill(1), d, affine));
const lungOk = file('lung-ok.nii', mask(grid));
const shifted = grid.map((r) => [...r]) as unknown as Affine;
(shifted[0] as unknown as number[])[3] = 40;
const lungShifted = file('lung-shifted.nii', mask(shifted));
const lungSpacing = file('lung-spacing.nii', mask(scaledAffine([1, 1, 2.5])));
const lungDims = file('lung-dims.nii', mask(grid, [8, 8, 5]));
const truncated = file(
  'truncated.nii',
  encodeNifti(createVolume(new Int16Array(n), dims, grid)).subarray(0, 400),
);
const fifo = join(dir, 'image.fifo');
execFileSync('mkfifo', [fifo]);
const folder = join(dir, 'folder.nii');
mkdirSync(folder);

describe('a scan that fails to load is named, with the error class the CLI maps to an exit code', () => {
  const cases: [string, Partial<ScanFiles>, new (...a: never[]) => Error, RegExp, string?][] = [
    [
      'a truncated image',
      { image: truncated },
      FormatError,
      /scan s: .*truncated\.nii: truncated: the header promises 768 bytes/,
    ],
    [
      'an image that is a FIFO',
      { image: fifo },
      FormatError,
      /scan s: .*image\.fifo: is a pipe \(FIFO\), not a regular file/,
    ],
    ['an image that is a folder', { image: folder }, FormatError, /scan s: .*folder\.nii: is a folder/],
    [
      'a lung mask on a shifted grid',
      { lung: lungShifted },
      GridMismatchError,
      /lung-shifted\.nii is not on the grid of .*image\.nii: affine row 0/,
    ],
    [
      'a lung mask of another spacing',
      { lung: lungSpacing },
      GridMismatchError,
      /lung-spacing\.nii is not on the grid of .*image\.nii: affine row 0 \[1, 0, 0/,
    ],
    [
      'a lesion mask of other dims',
      { lesion: lungDims },
      GridMismatchError,
      /lung-dims\.nii is not on the grid of .*: dims \[8, 8, 5\] vs \[8, 8, 6\]/,
    ],
    ['a missing image', { image: join(dir, 'nope.nii') }, Error, /scan s: .*nope\.nii/, 'ENOENT'],
  ];
  for (const workers of [0, 1]) {
    it.each(cases)(`workers ${workers}: %s`, async (_name, files, type, message, code) => {
      const loader = new ScanLoader([{ id: 's', label: 'cap', image, ...files }], { workers });
      try {
        const err = await loader
          .iterate()
          .next()
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(type);
        expect((err as Error).message).toMatch(message);
        if (code) expect((err as NodeJS.ErrnoException).code).toBe(code);
      } finally {
        await loader.close();
      }
    });
  }
  it('a lung mask on the same grid (float32 header rounding aside) loads', async () => {
    const loader = new ScanLoader([{ id: 's', label: 'cap', image, lung: lungOk }], { workers: 0 });
    const got: PreparedScan[] = [];
    for await (const s of loader.iterate()) got.push(s);
    await loader.close();
    expect(got[0]?.lung?.dims).toEqual(dims);
  });
});

describe('the scan cache', () => {
  it.each([0, 1])(
    'a loader stopped by a failing scan (%i workers) lets the scan in flight finish: no partial cache file',
    async (workers) => {
      const cacheDir = join(dir, `cache-stop-${workers}`);
      const loader = new ScanLoader(
        [
          { id: 'bad', label: 'cap', image: truncated },
          { id: 'good', label: 'cap', image, lung: lungOk },
        ],
        { workers, prefetch: 2, cacheDir },
      );
      await expect(loader.iterate().next()).rejects.toThrow(/scan bad/);
      await loader.close();
      expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );
  it('removes the partial files of killed writers before loading, and only theirs', async () => {
    const cacheDir = join(dir, 'cache-stale');
    mkdirSync(cacheDir);
    const names = {
      dead: '.k.image.nii.99999999.0123456789ab.tmp',
      mine: `.k.image.nii.${process.pid}.0123456789ab.tmp`,
      live: '.k.image.nii.1.0123456789ab.tmp',
      other: 'k.image.nii.99999999.tmp',
    };
    for (const n of Object.values(names)) writeFileSync(join(cacheDir, n), 'x');
    expect(await removeStaleAtomicTemporaries(cacheDir)).toEqual([join(cacheDir, names.dead)]);
    writeFileSync(join(cacheDir, names.dead), 'x');
    const loader = new ScanLoader([{ id: 's', label: 'cap', image }], { workers: 0, cacheDir });
    for await (const _ of loader.iterate()) void _;
    await loader.close();
    const left = readdirSync(cacheDir);
    expect(left).not.toContain(names.dead);
    for (const n of [names.mine, names.live, names.other]) expect(left).toContain(n);
    expect(await removeStaleAtomicTemporaries(join(dir, 'no-such-folder'))).toEqual([]);
  });
  it.each([
    ['a damaged image file', '.image.nii', 'damaged'],
    ['a marker of another shape', '.json', '{"masks": 3}'],
    ['a marker that is not JSON', '.json', '{"masks": ['],
  ])('treats %s as a miss: preprocesses again and rewrites the entry', async (name, suffix, text) => {
    const cacheDir = join(dir, `cache-${name.replaceAll(' ', '-')}`);
    const scans = [{ id: 's', label: 'cap' as const, image, lung: lungOk }];
    const first = new ScanLoader(scans, { workers: 0, cacheDir });
    for await (const _ of first.iterate()) void _;
    const entry = readdirSync(cacheDir).find((f) => f.endsWith(suffix)) as string;
    writeFileSync(join(cacheDir, entry), text);
    const again = new ScanLoader(scans, { workers: 0, cacheDir });
    const got: PreparedScan[] = [];
    for await (const s of again.iterate()) got.push(s);
    expect(again.stats).toMatchObject({ cacheHits: 0, cacheMisses: 1, loaded: 1 });
    const third = new ScanLoader(scans, { workers: 0, cacheDir });
    for await (const _ of third.iterate()) void _;
    expect(third.stats.cacheHits).toBe(1);
  });
});

const sparse = (name: string, bytes: number) => {
  const p = file(name, '');
  truncateSync(p, bytes);
  return p;
};

describe('readManifest refuses what is not a regular file, or too large a one', () => {
  const manifestFifo = join(dir, 'm.fifo.json');
  execFileSync('mkfifo', [manifestFifo]);
  const rows = (imagePath: string) => JSON.stringify([{ id: 'a', image: imagePath, label: 'cap' }]);
  it.each([
    ['the manifest is a FIFO', manifestFifo, /m\.fifo\.json: is a pipe \(FIFO\), not a regular file/],
    ['the manifest is /dev/zero', '/dev/zero', /\/dev\/zero: is a character device/],
    [
      'an entry is a FIFO',
      file('m1.json', rows(fifo)),
      /row 1 \(id 'a'\), field 'image': .*image\.fifo is a pipe \(FIFO\), not a regular file/,
    ],
    [
      'an entry is /dev/zero',
      file('m2.json', rows('/dev/zero')),
      /field 'image': \/dev\/zero is a character device/,
    ],
    ['an entry is a folder', file('m3.json', rows(folder)), /field 'image': .*folder\.nii is a folder/],
    [
      'the manifest is larger than 64 MiB (a sparse file: refused before reading)',
      sparse('big.json', MAX_MANIFEST_BYTES + 1),
      /big\.json: 67108865 bytes, more than the limit of 67108864 bytes/,
    ],
  ])('%s', async (_name, path, message) => {
    const err = await readManifest(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('assertSameGrid', () => {
  const base = createVolume(new Uint8Array(n), dims, grid);
  const moved = (r: number, c: number, by: number) => {
    const a = grid.map((row) => [...row]) as unknown as Affine;
    (a[r] as unknown as number[])[c] = (a[r]?.[c] as number) + by;
    return createVolume(new Uint8Array(n), dims, a);
  };
  it.each([
    ['the same grid', base, ''],
    ['float32 rounding of the spacing (1e-7 relative)', moved(0, 0, 1.5e-7), ''],
    ['an origin 0.5 um off (within 1e-3 mm)', moved(1, 3, 5e-4), ''],
    ['an origin 2 um off', moved(1, 3, 2e-3), 'affine row 1 [0, 1.5, 0, 0.002] vs [0, 1.5, 0, 0]'],
    ['a spacing 0.1% off', moved(2, 2, 2.5e-3), 'affine row 2 [0, 0, 2.5025, 0] vs [0, 0, 2.5, 0]'],
    ['a rotation', moved(0, 1, 0.1), 'affine row 0 [1.5, 0.1, 0, 0] vs [1.5, 0, 0, 0]'],
    ['other dims', createVolume(new Uint8Array(n), [6, 8, 8], grid), 'dims [6, 8, 8] vs [8, 8, 6]'],
  ])('%s', (_name, other, difference) => {
    expect(gridDifference(base, other)).toContain(difference);
    if (difference === '') {
      expect(gridDifference(base, other)).toBe('');
      expect(() => assertSameGrid(base, 'image.nii', other, 'mask.nii')).not.toThrow();
    } else {
      const err = (() => {
        try {
          assertSameGrid(base, 'image.nii', other, 'mask.nii');
        } catch (e) {
          return e as GridMismatchError;
        }
      })();
      expect(err).toBeInstanceOf(GridMismatchError);
      expect(err?.message).toBe(`mask.nii is not on the grid of image.nii: ${gridDifference(base, other)}`);
      expect([err?.imagePath, err?.otherPath]).toEqual(['image.nii', 'mask.nii']);
    }
  });
  it('takes a tolerance', () => {
    expect(gridDifference(base, moved(1, 3, 2e-3), { ...GRID_TOLERANCE, mm: 1e-2 })).toBe('');
  });
  it('a mask written and read back as NIfTI stays on its image grid (float32 affine)', async () => {
    const odd = createVolume(new Uint8Array(n), dims, [
      [-0.7031249, 0.0001, 0, 179.64844],
      [0, -0.7031249, 0.01, 171.3],
      [0, 0, 1.2500001, -312.7],
      [0, 0, 0, 1],
    ]);
    const p = join(dir, 'odd.nii');
    await writeNifti(p, odd);
    expect(gridDifference(odd, await readNifti(p))).toBe('');
  });
});
