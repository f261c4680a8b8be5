import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { axisCodes, listDicomSeries, readDicomSeries } from '../src/index.js';
import { expected, FIXTURES, maxAbsDiff } from './support/fixtures.js';

const series = Object.entries(expected.dicom).filter(
  ([name]) => name !== 'jpeg_baseline' && name !== 'gantry_tilt',
);

describe('DICOM series written by pydicom', () => {
  it.each(series)('%s: HU voxels and RAS affine match the numpy reference', async (name, want) => {
    const v = await readDicomSeries(join(FIXTURES, 'dicom', name));
    expect([...v.dims]).toEqual(want.shape);
    expect(v.transferSyntaxes).toEqual([want.transferSyntax]);
    expect(v.seriesInstanceUid).toBe(want.seriesInstanceUID);
    expect(v.files).toHaveLength(want.files);
    expect(v.modality).toBe('CT');
    expect(maxAbsDiff(v.affine, want.affine)).toBeLessThan(1e-5);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(Array.from(v.data)).toEqual(want.data);
    expect(v.warnings).toEqual([]);
  });

  it('sorts by position along the normal, not by file name or instance number', async () => {
    const v = await readDicomSeries(join(FIXTURES, 'dicom', 'explicit_be'));
    // the fixture's slices go down in z as InstanceNumber rises, and file names are shuffled
    const z = v.files.map((_, k) => v.affine[2][2] * k + v.affine[2][3]);
    expect(z).toEqual([...z].sort((a, b) => a - b));
    expect(v.affine[2][2]).toBeCloseTo(3, 6);
    expect(v.spacing.map((s) => Number(s.toFixed(6)))).toEqual([0.8, 0.7, 3]);
  });

  it('gives an LPS-style axial series the axis codes L, P, S', async () => {
    const v = await readDicomSeries(join(FIXTURES, 'dicom', 'implicit_le'));
    expect(axisCodes(v.affine)).toEqual(['L', 'P', 'S']);
    // voxel (0,0,0) is ImagePositionPatient of the lowest slice, with x and y negated
    expect([v.affine[0][3], v.affine[1][3], v.affine[2][3]]).toEqual([120, 95.5, -200]);
  });

  it('keeps gantry tilt as a sheared affine with a warning', async () => {
    const want = expected.dicom.gantry_tilt!;
    const v = await readDicomSeries(join(FIXTURES, 'dicom', 'gantry_tilt'));
    expect(maxAbsDiff(v.affine, want.affine)).toBeLessThan(1e-5);
    expect(Array.from(v.data)).toEqual(want.data);
    expect(v.warnings.join()).toMatch(/gantry tilt 19\.80°.*sheared/);
  });

  it('reads a single file as a one-slice volume with a warning', async () => {
    const v = await readDicomSeries(join(FIXTURES, 'dicom', 'implicit_le', 'IM0000.dcm'));
    expect(v.dims[2]).toBe(1);
    expect(v.spacing[2]).toBeCloseTo(2.5, 9);
    expect(v.warnings.join()).toMatch(/single slice/);
  });

  it('lists the series of a folder', async () => {
    const list = await listDicomSeries(join(FIXTURES, 'dicom'));
    expect(list).toHaveLength(Object.keys(expected.dicom).length);
    const jpeg = list.find((s) => s.seriesInstanceUid === expected.dicom.jpeg_baseline!.seriesInstanceUID);
    expect(jpeg?.transferSyntaxes).toEqual(['1.2.840.10008.1.2.4.50']);
    expect(jpeg?.files).toBe(2);
  });
});
