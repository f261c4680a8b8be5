import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, listDicomSeries, readDicomSeries } from '../src/index.js';
import { expected, FIXTURES } from './support/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'deepsc-dicom-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SERIES = join(FIXTURES, 'dicom', 'implicit_le');
const slices = readdirSync(SERIES).sort();
const want = expected.dicom.implicit_le!;

/** A fresh folder under the test root. */
const fresh = (name: string) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('which files of a folder are read', () => {
  it('follows symbolic links to slices (issue 11: 5 of 20 linked slices were skipped)', async () => {
    const dir = fresh('some-linked');
    for (const [i, f] of slices.entries()) {
      if (i % 2 === 0) copyFileSync(join(SERIES, f), join(dir, f));
      else symlinkSync(join(SERIES, f), join(dir, f));
    }
    const v = await readDicomSeries(dir);
    expect(v.dims).toEqual(want.shape);
    expect(Array.from(v.data)).toEqual(want.data);
  });

  it('reads a folder of nothing but relative symbolic links', async () => {
    const target = fresh('all-linked-target');
    for (const f of slices) copyFileSync(join(SERIES, f), join(target, f));
    const dir = fresh('all-linked');
    for (const f of slices) symlinkSync(join('..', 'all-linked-target', f), join(dir, f));
    const v = await readDicomSeries(dir);
    expect(Array.from(v.data)).toEqual(want.data);
    expect(v.files.every((p) => p.startsWith(dir))).toBe(true);
  });

  it.each([
    [
      'a dangling link',
      (dir: string) => symlinkSync(join(dir, 'gone.dcm'), join(dir, 'zz.dcm')),
      /zz\.dcm: a dangling symbolic link \(to .*gone\.dcm, which does not exist\)/,
    ],
    [
      'a link loop',
      (dir: string) => {
        symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
        symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
      },
      /loop-a: a dangling symbolic link \(to .*loop-b, a loop\)/,
    ],
    [
      'a link to a folder',
      (dir: string) => symlinkSync(SERIES, join(dir, 'linked-folder')),
      /linked-folder: a symbolic link to a folder \(.*implicit_le\); only links to regular files are followed/,
    ],
    [
      'a FIFO',
      (dir: string) => execFileSync('mkfifo', [join(dir, 'pipe.dcm')]),
      /pipe\.dcm: is a pipe \(FIFO\), not a regular file/,
    ],
    [
      'a link to a FIFO',
      (dir: string) => {
        execFileSync('mkfifo', [join(dir, 'fifo')]);
        symlinkSync(join(dir, 'fifo'), join(dir, 'to-fifo.dcm'));
      },
      /fifo: is a pipe \(FIFO\), not a regular file|to-fifo\.dcm: a symbolic link to a pipe \(FIFO\)/,
    ],
  ] as const)('refuses %s by name, without hanging', async (name, make, message) => {
    const dir = fresh(`bad-${name.replace(/ /g, '-')}`);
    for (const f of slices) copyFileSync(join(SERIES, f), join(dir, f));
    make(dir);
    const err = await readDicomSeries(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(message);
    await expect(listDicomSeries(dir)).rejects.toThrow(message);
  });
});

describe('DICOMDIR', () => {
  const DD = join(FIXTURES, 'dicom-codecs', 'dicomdir');

  it('follows the DICOMDIR of a folder: only the series it references is read', async () => {
    // OTHER/ holds a second series: without the DICOMDIR the folder holds two
    const direct = await readDicomSeries(join(DD, 'IMAGES'));
    const v = await readDicomSeries(DD);
    expect(Array.from(v.data)).toEqual(Array.from(direct.data));
    expect(v.affine).toEqual(direct.affine);
    expect(v.files.map((f) => f.slice(DD.length + 1))).toEqual(['IMAGES/IM0', 'IMAGES/IM1', 'IMAGES/IM2']);
    expect(v.warnings.join()).toMatch(/followed the DICOMDIR \(3 file reference\(s\)\)/);
    expect(await listDicomSeries(DD)).toHaveLength(1);
  });

  it('reads the DICOMDIR given as the path', async () => {
    const v = await readDicomSeries(join(DD, 'DICOMDIR'));
    expect(v.dims).toEqual([8, 6, 3]);
  });

  it('matches file IDs case-insensitively (a CD copied with lower-case names)', async () => {
    const dir = join(root, 'lower');
    cpSync(DD, dir, { recursive: true });
    renameSync(join(dir, 'IMAGES'), join(dir, 'images'));
    for (const f of ['IM0', 'IM1', 'IM2'])
      renameSync(join(dir, 'images', f), join(dir, 'images', f.toLowerCase()));
    renameSync(join(dir, 'DICOMDIR'), join(dir, 'dicomdir'));
    const v = await readDicomSeries(dir);
    expect(v.dims).toEqual([8, 6, 3]);
  });

  it('refuses a DICOMDIR whose referenced files are missing, naming them', async () => {
    const dir = join(root, 'missing');
    cpSync(DD, dir, { recursive: true });
    // the last slice: no gap would show, the series would just be short
    rmSync(join(dir, 'IMAGES', 'IM2'));
    const err = await readDicomSeries(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(
      /DICOMDIR: 1 file\(s\) the DICOMDIR references are missing \(IMAGES\/IM2\); copy the whole export/,
    );
  });
});
