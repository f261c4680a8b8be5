/**
 * Writes a volume as a classic DICOM CT series (one explicit VR little endian file per slice,
 * encoded with dcmjs), for the tests (of io and of the CLI) that need a DICOM input with a known
 * grid.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newDicomUid, type Volume } from '../../src/index.js';

/** The part of dcmjs used here (it ships no declarations; imported by a name held in a string). */
interface Dcmjs {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(ds: object): object };
    DicomDict: new (meta: object) => { dict: object; write(): ArrayBuffer };
  };
}

/** The UIDs and per-slice positions (LPS mm) of a series written by {@link writeDicomSeries}. */
export interface WrittenSeries {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  sopInstanceUids: string[];
  positions: [number, number, number][];
}

/**
 * Writes `ct` (int16 HU, an affine with orthogonal columns) to `dir` as slices `IM0000.dcm`...,
 * in reverse order of k so that file order is not slice order.
 */
export async function writeDicomSeries(
  dir: string,
  ct: Volume,
  description = 'test series',
): Promise<WrittenSeries> {
  await mkdir(dir, { recursive: true });
  const dcmjs = ((await import('dcmjs' as string)) as { default: Dcmjs }).default;
  const [ni, nj, nk] = ct.dims;
  const a = ct.affine;
  const col = (c: number) => [0, 1, 2].map((r) => (a[r]?.[c] as number) * (r < 2 ? -1 : 1)); // RAS -> LPS
  const [si, sj] = [Math.hypot(...col(0)), Math.hypot(...col(1))];
  const orientation = [...col(0).map((v) => v / si), ...col(1).map((v) => v / sj)];
  const written: WrittenSeries = {
    seriesInstanceUid: newDicomUid(),
    studyInstanceUid: newDicomUid(),
    frameOfReferenceUid: newDicomUid(),
    sopInstanceUids: [],
    positions: [],
  };
  for (let k = 0; k < nk; k++) {
    const origin = col(3);
    const step = col(2);
    const position = [0, 1, 2].map((r) => (origin[r] as number) + k * (step[r] as number)) as [
      number,
      number,
      number,
    ];
    const uid = newDicomUid();
    const pixels = Int16Array.from(ct.data.subarray(k * ni * nj, (k + 1) * ni * nj) as ArrayLike<number>);
    const ds = {
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: uid,
      StudyInstanceUID: written.studyInstanceUid,
      SeriesInstanceUID: written.seriesInstanceUid,
      FrameOfReferenceUID: written.frameOfReferenceUid,
      PatientName: 'Test^Patient',
      PatientID: 'DEEPSC-TEST',
      StudyDate: '20261207',
      StudyTime: '120000',
      Modality: 'CT',
      SeriesNumber: 3,
      SeriesDescription: description,
      InstanceNumber: k + 1,
      ImagePositionPatient: position,
      ImageOrientationPatient: orientation,
      PixelSpacing: [sj, si],
      SliceThickness: Math.hypot(...col(2)),
      Rows: nj,
      Columns: ni,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleIntercept: 0,
      RescaleSlope: 1,
      PixelData: [pixels.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: uid,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: '2.25.1',
    };
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
    await writeFile(join(dir, `IM${String(nk - 1 - k).padStart(4, '0')}.dcm`), new Uint8Array(dict.write()));
    written.sopInstanceUids.push(uid);
    written.positions.push(position);
  }
  return written;
}
