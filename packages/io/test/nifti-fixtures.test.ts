import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { axisCodes, FormatError, readNifti, reorient, UnsupportedDatatypeError } from '../src/index.js';
import {
  expected,
  FIXTURES,
  hasSharedLidc,
  maxAbsDiff,
  maxRelDiff,
  SHARED_LIDC,
} from './support/fixtures.js';

const readable = Object.entries(expected.nifti).filter(
  ([name]) => !['complex64.nii', 'two_volumes_4d.nii'].includes(name),
);

describe('NIfTI fixtures written by nibabel', () => {
  it.each(readable)('%s: dims, affine, voxels and axis codes match nibabel', async (name, want) => {
    const v = await readNifti(join(FIXTURES, 'nifti', name));
    expect(v.header.version).toBe(want.version);
    expect(v.header.endianness).toBe(want.byteorder);
    expect([...v.dims]).toEqual(want.shape.slice(0, 3));
    expect(maxAbsDiff(v.affine, want.affine)).toBeLessThan(1e-9);
    expect(axisCodes(v.affine)).toEqual(want.axcodes);
    expect(want.data).toBeTruthy();
    expect(maxRelDiff(v.data, want.data as number[])).toBeLessThan(1e-6);
    expect(v.affineSource).toBe(want.sformCode !== 0 ? 'sform' : want.qformCode !== 0 ? 'qform' : 'base');
  });

  it.each(readable)(
    '%s: reorient to RAS matches nibabel as_closest_canonical, and back',
    async (name, want) => {
      const v = await readNifti(join(FIXTURES, 'nifti', name));
      const c = reorient(v, 'RAS');
      expect(axisCodes(c.affine)).toEqual(['R', 'A', 'S']);
      expect(maxAbsDiff(c.affine, want.canonicalAffine)).toBeLessThan(1e-9);
      expect(maxRelDiff(c.data, want.canonicalData as number[])).toBeLessThan(1e-6);
      const back = reorient(c, axisCodes(v.affine));
      expect([...back.dims]).toEqual([...v.dims]);
      expect(back.affine).toEqual(v.affine);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
    },
  );

  it('applies scl_slope / scl_inter like nibabel, and returns raw values on request', async () => {
    const path = join(FIXTURES, 'nifti', 'scaled_int16.nii.gz');
    const want = expected.nifti['scaled_int16.nii.gz']!;
    expect([want.slope, want.inter]).toEqual([2.5, -1024]);
    const scaled = await readNifti(path);
    expect(scaled.data).toBeInstanceOf(Float32Array);
    const raw = await readNifti(path, { scaling: 'raw' });
    expect(raw.data).toBeInstanceOf(Int16Array);
    expect(raw.scaling).toBe('raw');
    for (let i = 0; i < raw.data.length; i++)
      expect(scaled.data[i]).toBe((raw.data[i] as number) * 2.5 - 1024);
  });

  it('rejects an unsupported datatype with a named error', async () => {
    const err = await readNifti(join(FIXTURES, 'nifti', 'complex64.nii')).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedDatatypeError);
    expect(err.code).toBe(32);
    expect(err.message).toMatch(/datatype 32 \(complex64\) is not supported/);
  });

  it('rejects a file of two volumes unless asked for the first', async () => {
    const path = join(FIXTURES, 'nifti', 'two_volumes_4d.nii');
    await expect(readNifti(path)).rejects.toThrow(FormatError);
    await expect(readNifti(path)).rejects.toThrow(/holds 2 volumes.*extraVolumes: 'first'/);
    const v = await readNifti(path, { extraVolumes: 'first' });
    expect(Array.from(v.data)).toEqual(expected.nifti['two_volumes_4d.nii']!.firstVolume);
    expect(v.warnings.join('\n')).toMatch(/read the first only/);
  });
});

describe('real CT (LIDC-IDRI crops)', () => {
  const copies = readdirSync(join(FIXTURES, 'lidc')).filter((f) => f.endsWith('.nii.gz'));
  it('carries copies of at least three scans', () => expect(copies.length).toBeGreaterThanOrEqual(3));
  const copyCases = copies.map((f) => [`copy ${f}`, join(FIXTURES, 'lidc', f), f] as const);
  const sharedCases = Object.keys(expected.lidc).map(
    (f) => [`shared ${f}`, join(SHARED_LIDC, f), f] as const,
  );
  it.each(copyCases)('%s: dims, affine, HU range and sum match nibabel', checkAgainstNibabel);
  // The full set lives in the project's shared/ folder beside the checkout; without it these say so.
  it.skipIf(!hasSharedLidc).each(sharedCases)(
    `%s: dims, affine, HU range and sum match nibabel${hasSharedLidc ? '' : ' (SKIPPED: no ../shared/data/real-ct-lidc-crops beside this checkout)'}`,
    checkAgainstNibabel,
  );
  async function checkAgainstNibabel(_label: string, path: string, name: string) {
    const want = expected.lidc[name]!;
    const v = await readNifti(path);
    expect([...v.dims]).toEqual(want.shape);
    expect(maxAbsDiff(v.affine, want.affine)).toBeLessThan(1e-9);
    expect(axisCodes(v.affine)).toEqual(want.axcodes);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const x of v.data) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    expect([min, max, sum]).toEqual([want.min, want.max, want.sum]);
  }
});
