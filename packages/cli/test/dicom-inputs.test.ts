import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../io/test/fixtures');
const CODECS = join(FIX, 'dicom-codecs');
const SERIES = join(FIX, 'dicom', 'implicit_le');
const tmp = mkdtempSync(join(tmpdir(), 'deepsc-cli-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder of the implicit_le slices, as links (every other one) plus `extra`. */
function linkedFolder(name: string, extra: (dir: string) => void = () => {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [i, f] of readdirSync(SERIES).entries()) {
    if (i % 2) symlinkSync(join(SERIES, f), join(dir, f));
    else writeFileSync(join(dir, f), readFileSync(join(SERIES, f)));
  }
  extra(dir);
  return dir;
}

function cut(name: string, from: string, bytes: number): string {
  const path = join(tmp, name);
  const src = readFileSync(from);
  writeFileSync(path, src.subarray(0, bytes < 0 ? src.length + bytes : bytes));
  return path;
}

describe('deepsc inspect on DICOM as hospitals export it', () => {
  it.each([
    [
      'JPEG 2000 lossless',
      () => join(CODECS, 's16', '1.2.840.10008.1.2.4.90.dcm'),
      [23, 17, 1],
      '1.2.840.10008.1.2.4.90',
    ],
    [
      'JPEG Lossless SV1',
      () => join(CODECS, 'u12', '1.2.840.10008.1.2.4.70.dcm'),
      [20, 16, 1],
      '1.2.840.10008.1.2.4.70',
    ],
    [
      'JPEG-LS',
      () => join(CODECS, 's12', '1.2.840.10008.1.2.4.80.dcm'),
      [14, 11, 1],
      '1.2.840.10008.1.2.4.80',
    ],
    [
      'RLE Lossless',
      () => join(CODECS, 'u16', '1.2.840.10008.1.2.5.dcm'),
      [13, 16, 1],
      '1.2.840.10008.1.2.5',
    ],
    [
      'Enhanced CT multi-frame',
      () => join(CODECS, 'multiframe', 'enhanced_ct.dcm'),
      [12, 10, 5],
      '1.2.840.10008.1.2.1',
    ],
    ['a DICOMDIR folder', () => join(CODECS, 'dicomdir'), [8, 6, 3], '1.2.840.10008.1.2.1'],
    [
      'a folder of partly symlinked slices (issue 11)',
      () => linkedFolder('linked'),
      [6, 5, 4],
      '1.2.840.10008.1.2',
    ],
  ] as const)('reads %s (exit 0)', async (_name, path, dims, syntax) => {
    const r = await runCli('inspect', path());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.dims).toEqual(dims);
    expect(j.dicom.transferSyntaxes).toEqual([syntax]);
    expect(j.dicom.frames).toBe(dims[2]);
    expect(j.dicom.lossy).toBe(false);
  });

  it('describes an Enhanced CT file as one file of 5 frames and a lossy JPEG as lossy', async () => {
    const enhanced = JSON.parse((await runCli('inspect', join(CODECS, 'multiframe', 'enhanced_ct.dcm'))).out);
    expect(enhanced.dicom).toMatchObject({
      files: 1,
      frames: 5,
      sopClasses: ['1.2.840.10008.5.1.4.1.1.2.1'],
    });
    const lossy = await runCli('inspect', join(CODECS, 'u8', '1.2.840.10008.1.2.4.50.dcm'));
    expect(lossy.code, lossy.err).toBe(0);
    const j = JSON.parse(lossy.out);
    expect(j.dicom.lossy).toBe(true);
    expect(j.warnings.join()).toMatch(/lossy compression \(JPEG Baseline \(Process 1\)\)/);
  });

  it.each([
    [
      'a file cut inside an element (issue 11: "[object Object]")',
      () => cut('cut.dcm', join(SERIES, 'IM0000.dcm'), 300),
      /cut\.dcm: not a readable DICOM file: it ends inside an element: truncated \(300 bytes\)\?/,
    ],
    [
      'a JPEG 2000 file cut inside its pixel data',
      () => cut('cut-j2k.dcm', join(CODECS, 's16', '1.2.840.10008.1.2.4.90.dcm'), -200),
      /cut-j2k\.dcm: not a readable DICOM file: it ends inside an element: truncated/,
    ],
    [
      '12-bit lossy JPEG',
      () => join(CODECS, 'u12', '1.2.840.10008.1.2.4.51.dcm'),
      /12-bit lossy JPEG \(JPEG Extended \(Process 2 & 4\)\) cannot be decoded: the bundled libjpeg-turbo decodes 8-bit JPEG only/,
    ],
    [
      'a dangling symbolic link among the slices',
      () => linkedFolder('dangling', (d) => symlinkSync(join(d, 'gone.dcm'), join(d, 'zz.dcm'))),
      /zz\.dcm: a dangling symbolic link/,
    ],
    [
      'a multi-frame file with a missing frame',
      () => join(CODECS, 'multiframe', 'enhanced_ct_missing_frame.dcm'),
      /1 missing slice\(s\) between .*frame 1 and .*frame 5/,
    ],
  ] as const)('refuses %s with exit 3 and says what is wrong', async (_name, path, message) => {
    const r = await runCli('inspect', path());
    expect(r.code).toBe(3);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain('[object Object]');
    expect(r.out).toBe('');
  });
});
