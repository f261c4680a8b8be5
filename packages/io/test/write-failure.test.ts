import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVolume, generateCohort, ScanLoader, writeFileAtomic, writeNifti } from '../src/index.js';

/** Where the next write fails, and with which errno code (the file system "refuses"). */
const fault = vi.hoisted(() => ({ at: undefined as string | undefined, code: 'ENOSPC' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const refuse = (syscall: string, path?: string) =>
    Object.assign(new Error(`${fault.code}: refused by the test, ${syscall}`), {
      code: fault.code,
      errno: -28,
      syscall,
      ...(path ? { path } : {}),
    });
  const open: typeof real.open = async (path, flags, mode) => {
    const writing = flags === 'wx';
    if (writing && fault.at === 'open') throw refuse('open', String(path));
    const h = await real.open(path, flags, mode);
    if (writing && fault.at === 'write') h.writeFile = async () => Promise.reject(refuse('write'));
    if (writing && fault.at === 'sync') h.sync = async () => Promise.reject(refuse('fsync'));
    return h;
  };
  const rename: typeof real.rename = async (from, to) => {
    if (fault.at === 'rename') throw refuse('rename', String(from));
    return real.rename(from, to);
  };
  return { ...real, open, rename, default: { ...real, open, rename } };
});

afterEach(() => {
  fault.at = undefined;
});

const volume = createVolume(new Int16Array(4 * 4 * 4).fill(7), [4, 4, 4]);
const writers: [string, string, (path: string) => Promise<void>][] = [
  ['writeFileAtomic', 'notes.json', (p) => writeFileAtomic(p, '{"new": true}')],
  ['writeNifti', 'scan.nii', (p) => writeNifti(p, volume)],
  ['writeNifti (gzip)', 'scan.nii.gz', (p) => writeNifti(p, volume)],
];
const faults: [string, string][] = [
  ['open', 'ENOSPC'],
  ['write', 'ENOSPC'],
  ['sync', 'EIO'],
  ['rename', 'EROFS'],
];

describe('a write the system refuses names the file, keeps the code, and leaves nothing behind', () => {
  for (const [writer, name, write] of writers) {
    it.each(faults)(`${writer}: %s fails with %s`, async (at, code) => {
      const dir = await mkdtemp(join(tmpdir(), 'deepsc-write-failure-'));
      const path = join(dir, name);
      await writeFile(path, 'the old content');
      fault.at = at;
      fault.code = code;
      const err = (await write(path).catch((e: unknown) => e)) as NodeJS.ErrnoException;
      fault.at = undefined;
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.path).toBe(path);
      expect(err.message).toMatch(new RegExp(`^cannot write ${path.replaceAll('.', '\\.')}: ${code}`));
      expect(await readdir(dir)).toEqual([name]);
      expect(await readFile(path, 'utf8')).toBe('the old content');
    });
  }
  it('ScanLoader: a full disk while caching fails the scan with its id, the cache file and the code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deepsc-write-failure-'));
    const image = join(dir, 'ct.nii');
    await writeNifti(image, volume);
    const cacheDir = join(dir, 'cache');
    const loader = new ScanLoader([{ id: 'c1', label: 'cap', image }], { workers: 0, cacheDir });
    fault.at = 'write';
    fault.code = 'ENOSPC';
    const err = (await loader
      .iterate()
      .next()
      .catch((e: unknown) => e)) as NodeJS.ErrnoException;
    fault.at = undefined;
    await loader.close();
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/^scan c1: cannot write .*cache\/[0-9a-f]{32}\.image\.nii: ENOSPC/);
    expect(err.path).toMatch(/cache\/[0-9a-f]{32}\.image\.nii$/);
    expect(await readdir(cacheDir)).toEqual([]);
  });
  it('generateCohort: a full disk fails the scan being written, naming it and its file, with the code', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'deepsc-write-failure-')), 'cohort');
    fault.at = 'write';
    fault.code = 'ENOSPC';
    const err = (await generateCohort({ out, n: 1, inPlane: 32, slices: [16, 16], workers: 0 }).catch(
      (e: unknown) => e,
    )) as NodeJS.ErrnoException;
    fault.at = undefined;
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/^scan synth-0000: cannot write .*images\/synth-0000\.nii\.gz: ENOSPC/);
    expect(err.path).toBe(join(out, 'images', 'synth-0000.nii.gz'));
    // no partial file, and no manifest: a cohort that failed part-way is recognisably incomplete
    expect(await readdir(join(out, 'images'))).toEqual([]);
    expect(await readdir(out)).toEqual(['images', 'lesions', 'lungs']);
  });
});
