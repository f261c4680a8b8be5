import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@deepsc/io';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../io/test/fixtures');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as {
  nifti: Record<string, { affine: number[][]; shape: number[]; data: number[] }>;
  dicom: Record<string, { affine: number[][]; shape: number[]; data: number[]; seriesInstanceUID: string }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'deepsc-cli-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

const close = (a: number[][], b: number[][], tol: number) =>
  a.every((r, i) => r.every((v, j) => Math.abs(v - (b[i]?.[j] ?? Number.NaN)) < tol));
const minMax = (d: number[]) => [Math.min(...d), Math.max(...d)];

describe('deepsc inspect', () => {
  it.each([
    ['oblique_sform.nii.gz', 'nifti-1', 'float32'],
    ['qform_only.nii', 'nifti-1', 'int16'],
    ['nifti2.nii.gz', 'nifti-2', 'float64'],
    ['big_endian_int16.nii', 'nifti-1', 'int16'],
  ])('%s: JSON with format, dims, spacing, affine, datatype, min, max', async (name, format, datatype) => {
    const want = expected.nifti[name]!;
    const r = await run('inspect', join(FIX, 'nifti', name));
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.format).toBe(format);
    expect(j.dims).toEqual(want.shape);
    expect(close(j.affine, want.affine, 1e-9)).toBe(true);
    expect(j.datatype).toBe(datatype);
    expect(j.spacing).toHaveLength(3);
    const [min, max] = minMax(want.data);
    expect(j.min).toBeCloseTo(min as number, 4);
    expect(j.max).toBeCloseTo(max as number, 4);
  });

  it('reports the scaling of a scaled file and the HU range after it', async () => {
    const j = JSON.parse((await run('inspect', join(FIX, 'nifti', 'scaled_int16.nii.gz'))).out);
    expect([j.datatype, j.voxelType]).toEqual(['int16', 'float32']);
    expect(j.scaling).toEqual({ slope: 2.5, inter: -1024 });
    expect([j.min, j.max]).toEqual(minMax(expected.nifti['scaled_int16.nii.gz']!.data));
  });

  it('inspects a DICOM folder', async () => {
    const want = expected.dicom.explicit_le_oblique!;
    const r = await run('inspect', join(FIX, 'dicom', 'explicit_le_oblique'));
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.format).toBe('dicom');
    expect(j.dims).toEqual(want.shape);
    expect(close(j.affine, want.affine, 1e-5)).toBe(true);
    expect([j.min, j.max]).toEqual(minMax(want.data));
    expect(j.dicom.seriesInstanceUid).toBe(want.seriesInstanceUID);
    expect(j.warnings).toEqual([]);
  });

  it('chooses a series with --series and reads the first volume with --first-volume', async () => {
    const mixed = join(tmp, 'mixed');
    mkdirSync(mixed);
    for (const s of ['implicit_le', 'deflated']) {
      for (const f of readdirSync(join(FIX, 'dicom', s)))
        copyFileSync(join(FIX, 'dicom', s, f), join(mixed, `${s}-${f}`));
    }
    // without --series, inspect lists the series (convert still refuses: see below)
    const listed = await run('inspect', mixed);
    expect(listed.code, listed.err).toBe(0);
    expect(
      JSON.parse(listed.out)
        .series.map((s: { seriesInstanceUid: string }) => s.seriesInstanceUid)
        .sort(),
    ).toEqual(
      [expected.dicom.implicit_le!.seriesInstanceUID, expected.dicom.deflated!.seriesInstanceUID].sort(),
    );
    const refused = await run('convert', mixed, join(tmp, 'mixed.nii.gz'));
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/holds 2 series/);
    const chosen = await run('inspect', mixed, '--series', expected.dicom.deflated!.seriesInstanceUID);
    expect(chosen.code, chosen.err).toBe(0);
    expect(JSON.parse(chosen.out).dims).toEqual(expected.dicom.deflated!.shape);
    const four = join(FIX, 'nifti', 'two_volumes_4d.nii');
    for (const args of [[four], [four, '--first-volume']]) {
      const r = await run('inspect', ...args);
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.warnings.join()).toMatch(/holds 2 volumes .*read the first only/);
      expect(j.nifti.header.dims).toHaveLength(4);
      expect(j.nifti.header.volumes).toBe(2);
    }
  });

  const garbage = join(tmp, 'garbage.bin');
  writeFileSync(garbage, 'not an image at all');
  const truncated = join(tmp, 'truncated.nii');
  writeFileSync(truncated, readFileSync(join(FIX, 'nifti', 'dtype_int16.nii')).subarray(0, 380));
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.txt'), 'no images here');
  it.each([
    ['a missing path', join(tmp, 'nope.nii'), /nope\.nii: no such file or folder/],
    ['a file of neither format', garbage, /neither NIfTI .* nor DICOM/],
    ['a truncated NIfTI file', truncated, /truncated: the header promises 120 bytes/],
    [
      'compressed DICOM',
      join(FIX, 'dicom', 'jpeg_baseline'),
      /JPEG Baseline \(Process 1\)\) cannot be decoded/,
    ],
    ['a folder without DICOM', empty, /no DICOM images found \(1 file\(s\) scanned\)/],
  ])('%s: exit code 3 and one line, no stack', async (_name, path, message) => {
    const r = await run('inspect', path);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('deepsc convert', () => {
  it('DICOM series to .nii.gz keeps voxels and geometry', async () => {
    const want = expected.dicom.explicit_le_oblique!;
    const out = join(tmp, 'ct.nii.gz');
    const r = await run('convert', join(FIX, 'dicom', 'explicit_le_oblique'), out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote .*ct\.nii\.gz: 6x5x4 voxels/);
    const v = await readNifti(out);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(Array.from(v.data)).toEqual(want.data);
    expect(
      close(
        v.affine.map((row) => [...row]),
        want.affine,
        1e-4,
      ),
    ).toBe(true);
    const j = JSON.parse((await run('inspect', out)).out);
    expect(j.dims).toEqual(want.shape);
  });

  it('NIfTI to NIfTI-2 keeps the header fields and the exact affine', async () => {
    const out = join(tmp, 'obl2.nii');
    const r = await run('convert', join(FIX, 'nifti', 'oblique_sform.nii.gz'), out, '--nifti-version', '2');
    expect(r.code, r.err).toBe(0);
    const v = await readNifti(out);
    expect(v.header.version).toBe(2);
    expect(v.header.descrip).toBe('oblique sform fixture');
    expect(
      close(
        v.affine.map((row) => [...row]),
        expected.nifti['oblique_sform.nii.gz']!.affine,
        1e-12,
      ),
    ).toBe(true);
  });

  it('passes warnings on to stderr', async () => {
    const r = await run('convert', join(FIX, 'dicom', 'gantry_tilt'), join(tmp, 'tilt.nii'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/deepsc: warning: .*gantry tilt/);
  });

  it.each([
    [
      'an output name that is not NIfTI',
      [join(FIX, 'nifti', 'qform_only.nii'), join(tmp, 'x.png')],
      2,
      /must end in \.nii or \.nii\.gz/,
    ],
    ['bad input', [join(FIX, 'nifti', 'complex64.nii'), join(tmp, 'bad.nii')], 3, /complex64/],
    [
      'an output folder that does not exist',
      [join(FIX, 'nifti', 'qform_only.nii'), join(tmp, 'no', 'x.nii')],
      2,
      /cannot write .*no such file or folder/,
    ],
    [
      'an unknown --uneven-spacing mode',
      [join(FIX, 'nifti', 'qform_only.nii'), join(tmp, 'y.nii'), '--uneven-spacing', 'maybe'],
      2,
      /maybe/,
    ],
  ])('%s: exit code %i, nothing written', async (_name, args, code, message) => {
    const r = await run('convert', ...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(existsSync((args as string[])[1] as string)).toBe(false);
  });
});
