import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDicomSeries, readNifti, SEG_SOP_CLASS, type Volume, writeNifti } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallScan, writeTinyCheckpoint } from './support/predict-fixture.js';
import { runCli } from './support/run-cli.js';

// The io tests' helpers (a DICOM series writer on dcmjs, the pydicom SEG reader), imported by
// path: a static import would pull io's files into this package's type-check (rootDir).
const IO_SUPPORT = joinPath(dirname(fileURLToPath(import.meta.url)), '../../io/test/support');
interface WrittenSeries {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  sopInstanceUids: string[];
  positions: [number, number, number][];
}
const { writeDicomSeries } = (await import(joinPath(IO_SUPPORT, 'dicom-series.ts') as string)) as {
  writeDicomSeries: (dir: string, ct: Volume, description?: string) => Promise<WrittenSeries>;
};
const { PYDICOM_PYTHON, readSegWithPydicom } = (await import(
  joinPath(IO_SUPPORT, 'pydicom.ts') as string
)) as {
  PYDICOM_PYTHON: string | undefined;
  readSegWithPydicom: (path: string) => {
    sopClassUid: string;
    referencedSeriesUid: string;
    studyInstanceUid: string;
    frameOfReferenceUid: string;
    patientId: string;
    frames: { position: number[]; sourceSopInstanceUid: string }[];
  };
};

const tmp = mkdtempSync(join(tmpdir(), 'deepsc-cli-dicom-seg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ck = join(tmp, 'ck');
const seriesDir = join(tmp, 'series');
const out = join(tmp, 'pred');
const seg = join(tmp, 'lesion.seg.dcm');
let series: WrittenSeries;
let predict: Awaited<ReturnType<typeof runCli>>;
const niftiInput = join(tmp, 'ct.nii.gz');

beforeAll(async () => {
  await writeTinyCheckpoint(ck);
  series = await writeDicomSeries(seriesDir, smallScan().ct, 'chest CT');
  await writeNifti(niftiInput, smallScan().ct);
  predict = await runCli('predict', '-m', ck, '-i', seriesDir, '-o', out, '--dicom-seg', seg);
}, 120_000);

describe('deepsc predict --dicom-seg', () => {
  it('writes the prediction and the SEG, and says so', () => {
    expect(predict.code, predict.err).toBe(0);
    expect(predict.out).toMatch(/wrote .*prediction\.json/);
    expect(predict.out).toContain(`wrote ${seg}`);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('round trip: the SEG read back onto the series grid equals the NIfTI mask voxel for voxel', async () => {
    const nifti = await readNifti(join(out, 'lesion_mask.nii.gz'));
    const back = await readDicomSeries(seg);
    const ct = await readDicomSeries(seriesDir);
    expect(back.dims).toEqual(ct.dims);
    for (const [r, row] of ct.affine.entries())
      for (const [c, x] of row.entries()) expect(back.affine[r]?.[c]).toBeCloseTo(x, 4);
    expect(Array.from(back.data)).toEqual(Array.from(nifti.data));
    // a mask with both values: the comparison is not of two empty masks
    const ones = Array.from(nifti.data).filter((v) => v === 1).length;
    expect(ones).toBeGreaterThan(0);
    expect(ones).toBeLessThan(nifti.data.length);
  });

  it.skipIf(!PYDICOM_PYTHON)(
    'pydicom reads the SEG; its frames lie at the source slices and reference them',
    () => {
      const s = readSegWithPydicom(seg);
      expect(s.sopClassUid).toBe(SEG_SOP_CLASS);
      expect(s.referencedSeriesUid).toBe(series.seriesInstanceUid);
      expect(s.studyInstanceUid).toBe(series.studyInstanceUid);
      expect(s.frameOfReferenceUid).toBe(series.frameOfReferenceUid);
      expect(s.patientId).toBe('DEEPSC-TEST');
      expect(s.frames).toHaveLength(series.positions.length);
      for (const [k, f] of s.frames.entries()) {
        for (const [a, p] of (series.positions[k] as number[]).entries())
          expect(f.position[a]).toBeCloseTo(p, 4);
        expect(f.sourceSopInstanceUid).toBe(series.sopInstanceUids[k]);
      }
    },
  );

  it('inspect lists both series of a folder holding the CT and its SEG', async () => {
    const both = join(tmp, 'both');
    mkdirSync(both);
    for (const f of readdirSync(seriesDir)) copyFileSync(join(seriesDir, f), join(both, f));
    copyFileSync(seg, join(both, 'seg.dcm'));
    const r = await runCli('inspect', both);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.format).toBe('dicom-series-list');
    const rows = (
      j.series as { modality: string; files: number; frames: number; seriesDescription: string }[]
    )
      .map((s) => [s.modality, s.files, s.frames, s.seriesDescription])
      .sort();
    expect(rows).toEqual([
      ['CT', 16, 16, 'chest CT'],
      ['SEG', 1, 16, 'DeepSC lesion segmentation'],
    ]);
    expect(j.series[0].transferSyntaxes).toEqual([
      { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian' },
    ]);
    const chosen = await runCli('inspect', both, '--series', series.seriesInstanceUid);
    expect(chosen.code, chosen.err).toBe(0);
    expect(JSON.parse(chosen.out).dims).toEqual([32, 32, 16]);
  });

  it('replaces the SEG with --overwrite (a new SOP instance at the same path)', async () => {
    const before = await readDicomSeries(seg);
    const r = await runCli(
      'predict',
      '-m',
      ck,
      '-i',
      seriesDir,
      '-o',
      out,
      '--dicom-seg',
      seg,
      '--overwrite',
    );
    expect(r.code, r.err).toBe(0);
    const after = await readDicomSeries(seg);
    expect(after.slices[0]?.sopInstanceUid).not.toBe(before.slices[0]?.sopInstanceUid);
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
  });

  it.each([
    ['a NIfTI input', () => ['-i', niftiInput], /--dicom-seg needs a DICOM input .* is NIfTI/],
    [
      'a SEG path in a missing folder',
      () => ['-i', seriesDir, '--dicom-seg', join(tmp, 'nope', 'x.dcm')],
      /the folder .*nope does not exist/,
    ],
    [
      'a SEG path that is a folder',
      () => ['-i', seriesDir, '--dicom-seg', tmp],
      /is a folder; give the file to write/,
    ],
    [
      'a SEG file that exists, without --overwrite',
      () => ['-i', seriesDir, '--dicom-seg', seg],
      /lesion\.seg\.dcm: exists already; pass --overwrite to replace it/,
    ],
  ] as const)('refuses %s with exit 2, writing nothing', async (_name, args, message) => {
    const o = join(tmp, `refused-${Math.random().toString(36).slice(2)}`);
    const a = args();
    const argv = ['predict', '-m', ck, '-o', o, ...a];
    if (!a.includes('--dicom-seg')) argv.push('--dicom-seg', join(tmp, 'refused.seg.dcm'));
    const r = await runCli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(existsSync(o)).toBe(false);
    expect(existsSync(join(tmp, 'refused.seg.dcm'))).toBe(false);
  });
});
