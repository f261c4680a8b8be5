import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVolume,
  type DicomVolume,
  encodeDicomSeg,
  GridMismatchError,
  readDicomSeries,
  SEG_SOP_CLASS,
  writeDicomSeg,
} from '../src/index.js';
import { FIXTURES } from './support/fixtures.js';
import { PYDICOM_PYTHON, readSegWithPydicom } from './support/pydicom.js';

const root = mkdtempSync(join(tmpdir(), 'deepsc-dicom-seg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A mask on the series' grid: voxels above the median value, so every frame differs. */
function maskOf(v: DicomVolume) {
  const sorted = Float64Array.from(v.data).sort();
  const median = sorted[sorted.length >> 1] as number;
  return createVolume(
    Uint8Array.from(v.data, (x) => (x > median ? 1 : 0)),
    v.dims,
    v.affine,
  );
}

// Sources: a classic series stacked downwards with shuffled names (explicit big endian), an
// oblique one, and an Enhanced CT multi-frame file whose frames are stored out of order.
const SOURCES = [
  ['explicit big endian, stacked downwards', join(FIXTURES, 'dicom', 'explicit_be')],
  ['oblique, signed', join(FIXTURES, 'dicom', 'explicit_le_oblique')],
  ['Enhanced CT multi-frame', join(FIXTURES, 'dicom-codecs', 'multiframe', 'enhanced_ct.dcm')],
] as const;

const written = new Map<string, { source: DicomVolume; mask: ReturnType<typeof maskOf>; path: string }>();
beforeAll(async () => {
  for (const [name, path] of SOURCES) {
    const source = await readDicomSeries(path);
    const mask = maskOf(source);
    const out = join(root, `${name.replace(/\W+/g, '-')}.seg.dcm`);
    await writeDicomSeg(out, mask, source, { contentDescription: 'COVID-19 0.91; 3 lesions' });
    written.set(name, { source, mask, path: out });
  }
});

describe('DICOM SEG out', () => {
  it.each(SOURCES)('%s: read back by our reader onto the source grid, voxel for voxel', async (name) => {
    const { source, mask, path } = written.get(name)!;
    const back = await readDicomSeries(path);
    expect(back.modality).toBe('SEG');
    expect(back.dims).toEqual(source.dims);
    for (const [r, row] of source.affine.entries())
      for (const [c, x] of row.entries()) expect(back.affine[r]?.[c]).toBeCloseTo(x, 4);
    expect(Array.from(back.data)).toEqual(Array.from(mask.data));
    expect(back.slices[0]?.sopClassUid).toBe(SEG_SOP_CLASS);
    expect(back.warnings).toEqual([]);
  });

  it.skipIf(!PYDICOM_PYTHON).each(SOURCES)(
    '%s: pydicom reads it; each frame lies at, and references, its source slice',
    async (name) => {
      const { source, mask, path } = written.get(name)!;
      const seg = readSegWithPydicom(path);
      const first = source.slices[0]!;
      expect(seg).toMatchObject({
        sopClassUid: SEG_SOP_CLASS,
        modality: 'SEG',
        segmentationType: 'BINARY',
        numberOfFrames: source.dims[2],
        rows: source.dims[1],
        columns: source.dims[0],
        studyInstanceUid: first.studyInstanceUid,
        frameOfReferenceUid: first.frameOfReferenceUid,
        referencedSeriesUid: source.seriesInstanceUid,
        segmentLabel: 'lesion',
      });
      for (const [i, v] of first.orientation.entries()) expect(seg.orientation[i]).toBeCloseTo(v, 6);
      for (const [k, frame] of seg.frames.entries()) {
        const slice = source.slices[k]!;
        for (const [a, p] of slice.position.entries()) expect(frame.position[a]).toBeCloseTo(p, 4);
        expect(frame.sourceSopInstanceUid).toBe(slice.sopInstanceUid);
        expect(frame.segment).toBe(1);
      }
      expect(seg.pixels).toEqual(Array.from(mask.data));
    },
  );

  it('copies the patient and study of the source', () => {
    const { path } = written.get('oblique, signed')!;
    const bytes = readFileSync(path);
    const src = readFileSync(written.get('oblique, signed')!.source.files[0]!);
    const patientId = (b: Buffer) => {
      const at = b.indexOf(Buffer.from([0x10, 0x00, 0x20, 0x00]));
      return at < 0
        ? ''
        : b
            .subarray(at + 8, at + 8 + b.readUInt16LE(at + 6))
            .toString('latin1')
            .trim();
    };
    expect(patientId(bytes)).toBe(patientId(src));
  });

  it.each([
    ['other dims', (v: DicomVolume) => createVolume(new Uint8Array(8), [2, 2, 2], v.affine), /dims/],
    [
      'another affine',
      (v: DicomVolume) =>
        createVolume(
          new Uint8Array(v.data.length),
          v.dims,
          v.affine.map((r, i) =>
            i === 0 ? [r[0] * 2, r[1], r[2], r[3]] : r,
          ) as unknown as DicomVolume['affine'],
        ),
      /affine row 0/,
    ],
  ] as const)('refuses a mask with %s (GridMismatchError)', async (_name, make, message) => {
    const { source } = written.get('oblique, signed')!;
    const head = readFileSync(source.files[0]!);
    const err = await encodeDicomSeg(make(source), source, head).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridMismatchError);
    expect((err as Error).message).toMatch(message);
  });
});
