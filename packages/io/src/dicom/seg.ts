/**
 * Writing a mask as a DICOM Segmentation (SEG) object that references the series it was
 * computed from, so that it overlays the scan in any viewer that reads SEG. The dataset is
 * built here and encoded by dcmjs (imported on first use).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FormatError } from '../format-error.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { withPath } from '../fs/path-error.js';
import { assertSameGrid } from '../geometry/same-grid.js';
import type { Volume } from '../volume.js';
import { type DataSet, parseDicomBytes } from './dataset.js';
import type { DicomVolume } from './read-series.js';

/** Segmentation Storage. */
export const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A coded concept: (code value, coding scheme, meaning). */
export interface CodedConcept {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

/** Options of {@link encodeDicomSeg}. */
export interface DicomSegOptions {
  /** SegmentLabel; default `lesion`. */
  segmentLabel?: string;
  /** SegmentedPropertyCategory; default SCT 49755003 Morphologically abnormal structure. */
  category?: CodedConcept;
  /** SegmentedPropertyType; default SCT 52988006 Lesion. */
  type?: CodedConcept;
  /** SeriesDescription of the SEG; default `DeepSC lesion segmentation`. */
  seriesDescription?: string;
  /** ContentDescription (up to 64 characters: a one-line summary of the findings, say). */
  contentDescription?: string;
  /** SegmentAlgorithmName; default `DeepSC`. */
  algorithmName?: string;
  /** SoftwareVersions; default `deepsc`. */
  softwareVersion?: string;
  /** SeriesNumber of the SEG; default 9000 + the source's, or 9000. */
  seriesNumber?: number;
  /** Creation time (ContentDate/Time, SeriesDate/Time); default now. */
  date?: Date;
}

/** A UID from a random UUID (the 2.25 root of ISO/IEC 9834-8). */
export function newDicomUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

const code = (c: CodedConcept) => ({
  CodeValue: c.value,
  CodingSchemeDesignator: c.scheme,
  CodeMeaning: c.meaning,
});

/** The Patient and General Study attributes of the source, copied into the SEG. */
const COPIED = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  StudyID: 'x00200010',
  AccessionNumber: 'x00080050',
  ReferringPhysicianName: 'x00080090',
} as const;

function copied(ds: DataSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, tag] of Object.entries(COPIED)) out[name] = ds.string(tag) ?? '';
  return out;
}

const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

/**
 * The bits of a 0/1 mask, frame after frame, packed least significant bit first (Segmentation
 * pixel data: frames are not byte-aligned), padded to an even length.
 */
function packBits(mask: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(mask.length / 16) * 2);
  for (let p = 0; p < mask.length; p++)
    if ((mask[p] as number) !== 0) out[p >> 3] = (out[p >> 3] as number) | (1 << (p & 7));
  return out;
}

/**
 * Encodes `mask` (non-zero = in the segment) as a binary DICOM Segmentation of one segment,
 * one frame per slice of `source`, each frame placed at its source slice (PlanePosition) and
 * derived from it (DerivationImage > SourceImage); the SEG shares the source's study, frame of
 * reference and patient, and lists the source instances in ReferencedSeriesSequence.
 *
 * @param mask - a volume on the grid of `source` (same dims and affine).
 * @param source - the DICOM series it was computed from (as {@link readDicomSeries} read it).
 * @param sourceFirstFile - the bytes of one source file, for the patient and study attributes.
 * @param options - labels, codes, description; see {@link DicomSegOptions}.
 * @throws GridMismatchError when the mask is not on the source's grid; FormatError when the
 * source lacks the UIDs a SEG must reference (study, frame of reference, SOP instances).
 */
export async function encodeDicomSeg(
  mask: Pick<Volume, 'dims' | 'affine' | 'data'>,
  source: DicomVolume,
  sourceFirstFile: Uint8Array,
  options: DicomSegOptions = {},
): Promise<Uint8Array> {
  assertSameGrid(source, `DICOM series ${source.seriesInstanceUid}`, mask, 'the mask');
  const first = source.slices[0];
  if (!first) throw new FormatError('dicom', `series ${source.seriesInstanceUid}: no slices`);
  for (const [name, value] of [
    ['StudyInstanceUID', first.studyInstanceUid],
    ['FrameOfReferenceUID', first.frameOfReferenceUid],
    ['SOPInstanceUID', first.sopInstanceUid],
  ] as const) {
    if (!value)
      throw new FormatError(
        'dicom',
        `${first.file}: no ${name}; a segmentation must reference the source series by it`,
      );
  }
  const head = parseDicomBytes(sourceFirstFile, first.file, sourceFirstFile.length * 4);
  const [columns, rows, frames] = source.dims;
  const date = options.date ?? new Date();
  const sopInstanceUid = newDicomUid();
  const instances = new Map<string, string>();
  for (const s of source.slices) instances.set(s.sopInstanceUid, s.sopClassUid);

  const perFrame = source.slices.map((s, k) => ({
    DerivationImageSequence: [
      {
        SourceImageSequence: [
          {
            ReferencedSOPClassUID: s.sopClassUid,
            ReferencedSOPInstanceUID: s.sopInstanceUid,
            ...(s.numberOfFrames > 1 ? { ReferencedFrameNumber: s.frame + 1 } : {}),
            PurposeOfReferenceCodeSequence: [
              code({
                value: '121322',
                scheme: 'DCM',
                meaning: 'Source image for image processing operation',
              }),
            ],
          },
        ],
        DerivationCodeSequence: [code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })],
      },
    ],
    FrameContentSequence: [{ DimensionIndexValues: [1, k + 1] }],
    PlanePositionSequence: [{ ImagePositionPatient: [...s.position] }],
    SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }],
  }));
  const spacingBetween = Math.hypot(...[0, 1, 2].map((r) => source.affine[r]?.[2] as number));
  const dimensionOrganization = newDicomUid();
  const dataset = {
    ...copied(head),
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    StudyInstanceUID: first.studyInstanceUid,
    SeriesInstanceUID: newDicomUid(),
    FrameOfReferenceUID: first.frameOfReferenceUid,
    Modality: 'SEG',
    SeriesNumber: options.seriesNumber ?? 9000 + (first.seriesNumber ?? 0),
    SeriesDescription: (options.seriesDescription ?? 'DeepSC lesion segmentation').slice(0, 64),
    SeriesDate: dicomDate(date),
    SeriesTime: dicomTime(date),
    InstanceNumber: 1,
    ContentDate: dicomDate(date),
    ContentTime: dicomTime(date),
    ContentLabel: 'LESION',
    ContentDescription: (options.contentDescription ?? 'lesion mask').slice(0, 64),
    ContentCreatorName: 'DeepSC',
    Manufacturer: 'DeepSC',
    ManufacturerModelName: options.algorithmName ?? 'DeepSC',
    DeviceSerialNumber: '0',
    SoftwareVersions: options.softwareVersion ?? 'deepsc',
    ImageType: ['DERIVED', 'PRIMARY'],
    SegmentationType: 'BINARY',
    Rows: rows,
    Columns: columns,
    NumberOfFrames: String(frames),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentSequence: [
      {
        SegmentNumber: 1,
        SegmentLabel: options.segmentLabel ?? 'lesion',
        SegmentAlgorithmType: 'AUTOMATIC',
        SegmentAlgorithmName: options.algorithmName ?? 'DeepSC',
        SegmentedPropertyCategoryCodeSequence: [
          code(
            options.category ?? {
              value: '49755003',
              scheme: 'SCT',
              meaning: 'Morphologically abnormal structure',
            },
          ),
        ],
        SegmentedPropertyTypeCodeSequence: [
          code(options.type ?? { value: '52988006', scheme: 'SCT', meaning: 'Lesion' }),
        ],
        AnatomicRegionSequence: [code({ value: '39607008', scheme: 'SCT', meaning: 'Lung' })],
        RecommendedDisplayCIELabValue: [34885, 53485, 50171],
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganization,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganization,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: [...first.orientation] }],
        PixelMeasuresSequence: [
          {
            PixelSpacing: [...first.pixelSpacing],
            SliceThickness: first.sliceThickness ?? spacingBetween,
            SpacingBetweenSlices: spacingBetween,
          },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: [...instances].map(([uid, cls]) => ({
          ReferencedSOPClassUID: cls,
          ReferencedSOPInstanceUID: uid,
        })),
      },
    ],
    PixelData: [packBits(mask.data).buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '2.25.311006939428924402431542431838632391941',
    ImplementationVersionName: 'DEEPSC',
  };
  // dcmjs ships no type declarations: a name held in a `string` keeps the compiler from looking.
  const dcmjs = ((await import('dcmjs' as string)) as { default: DcmjsModule }).default;
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** The part of dcmjs used here. */
interface DcmjsModule {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(ds: object): object };
    DicomDict: new (meta: object) => { dict: object; write(): ArrayBuffer };
  };
}

/**
 * Writes `mask` as a DICOM SEG referencing `source` to `path`, atomically; see
 * {@link encodeDicomSeg}. The first source file is read again for the patient and study
 * attributes.
 * @throws as {@link encodeDicomSeg}; the fs error (naming `path`) when it cannot be written.
 */
export async function writeDicomSeg(
  path: string,
  mask: Pick<Volume, 'dims' | 'affine' | 'data'>,
  source: DicomVolume,
  options: DicomSegOptions = {},
): Promise<void> {
  const first = source.slices[0]?.file;
  if (!first) throw new FormatError('dicom', `series ${source.seriesInstanceUid}: no slices`);
  let head: Uint8Array;
  try {
    head = new Uint8Array(await readFile(first));
  } catch (err) {
    throw withPath(err, first);
  }
  await writeFileAtomic(path, await encodeDicomSeg(mask, source, head, options));
}
