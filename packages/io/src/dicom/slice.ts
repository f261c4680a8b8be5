/**
 * The frames of one DICOM image file: each frame's place in a series and in space, and its
 * rescale attributes. A classic file holds one frame described by top-level attributes; an
 * Enhanced (or Legacy Converted Enhanced) multi-frame file describes each frame in its per-frame
 * and shared functional groups.
 * @module
 */
import { FormatError, UnsupportedTransferSyntaxError } from '../format-error.js';
import { type DataSet, decimals, guardDicom, parseDicomBytes, sequenceItem, tagName } from './dataset.js';
import { transferSyntaxSupport } from './transfer-syntax.js';

export { isDicomPart10 } from './dataset.js';

/** The attributes of one image frame that place it in a series and in space. */
export interface DicomSliceInfo {
  /** Where it came from, for messages: the path, with ` frame N` (1-based) in a multi-frame file. */
  readonly source: string;
  /** The file. */
  readonly file: string;
  /** The frame's index in its file (0-based; 0 in a single-frame file). */
  readonly frame: number;
  /** NumberOfFrames of the file. */
  readonly numberOfFrames: number;
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly seriesNumber: number | undefined;
  readonly seriesDescription: string;
  readonly modality: string;
  readonly instanceNumber: number | undefined;
  readonly rows: number;
  readonly columns: number;
  /** ImagePositionPatient (0020,0032): LPS mm of the centre of the first pixel. */
  readonly position: readonly [number, number, number];
  /** ImageOrientationPatient (0020,0037): row direction (along columns index), then column direction. */
  readonly orientation: readonly [number, number, number, number, number, number];
  /** PixelSpacing (0028,0030): [between rows, between columns] in mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly sliceThickness: number | undefined;
  /** 1 (a bit-packed segmentation), 8, 16 or 32. */
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  /** The pixels went through lossy compression (the transfer syntax, or LossyImageCompression 01). */
  readonly lossy: boolean;
}

/** PerFrameFunctionalGroupsSequence and SharedFunctionalGroupsSequence. */
const PER_FRAME = 'x52009230';
const SHARED = 'x52009229';

/**
 * Parses a DICOM Part 10 image file and describes its frames (not their pixels).
 * @param bytes - the file.
 * @param what - its name for messages.
 * @param maxBytes - cap on the inflated size of a deflated dataset; default 2 GiB.
 * @throws FormatError when it is not DICOM, lacks a required attribute (position, orientation,
 * pixel spacing, rows, columns, pixel data) or has inconsistent values;
 * UnsupportedTransferSyntaxError for pixel data that cannot be decoded.
 */
export function parseDicomFrames(bytes: Uint8Array, what = 'dicom', maxBytes = 2 ** 31): DicomSliceInfo[] {
  return imageFrames(parseDicomBytes(bytes, what, maxBytes), what);
}

/** The frames of a parsed dataset; see {@link parseDicomFrames}. */
export function imageFrames(ds: DataSet, file: string): DicomSliceInfo[] {
  return guardDicom(file, () => readFrames(ds, file));
}

interface ImageAttributes {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  frames: number;
}

/** The image pixel module, checked; and that the pixel data are there and long enough. */
function imageAttributes(ds: DataSet, ts: string, what: string): ImageAttributes {
  const pixel = ds.elements.x7fe00010;
  if (!pixel)
    throw new FormatError(
      'dicom',
      `${what}: has no pixel data (7FE0,0010); a truncated file, or not an image`,
    );
  const support = transferSyntaxSupport(ts, what);
  if ((support.codec === 'native') !== !pixel.encapsulatedPixelData) {
    throw new FormatError(
      'dicom',
      `${what}: ${pixel.encapsulatedPixelData ? 'encapsulated' : 'native'} pixel data in transfer syntax ${ts} (${support.name}), which ${support.codec === 'native' ? 'does not encapsulate' : 'encapsulates'} them`,
    );
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  if (!(rows > 0 && columns > 0))
    throw new FormatError('dicom', `${what}: Rows ${rows} / Columns ${columns} must be positive`);
  const samples = ds.uint16('x00280002') ?? 1;
  if (samples !== 1)
    throw new FormatError(
      'dicom',
      `${what}: SamplesPerPixel is ${samples}; only single-channel (grey) images are read`,
    );
  const framesText = ds.string('x00280008');
  const frames = framesText === undefined ? 1 : Number(framesText);
  if (!(Number.isInteger(frames) && frames >= 1))
    throw new FormatError(
      'dicom',
      `${what}: NumberOfFrames ${JSON.stringify(framesText)} must be a positive integer`,
    );
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  if (![1, 8, 16, 32].includes(bitsAllocated))
    throw new FormatError('dicom', `${what}: BitsAllocated ${bitsAllocated}, expected 1, 8, 16 or 32`);
  if (bitsAllocated === 1 && support.codec !== 'native')
    throw new FormatError('dicom', `${what}: 1-bit pixels must not be compressed (transfer syntax ${ts})`);
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw new FormatError(
      'dicom',
      `${what}: BitsStored ${bitsStored} must be 1 to BitsAllocated ${bitsAllocated}`,
    );
  }
  if (support.codec === 'jpeg' && bitsStored > 8)
    throw new UnsupportedTransferSyntaxError(
      ts,
      support.name,
      `${what}: ${bitsStored}-bit lossy JPEG (${support.name}) cannot be decoded: the bundled libjpeg-turbo decodes 8-bit JPEG only (convert with gdcmconv --raw)`,
    );
  const rep = ds.uint16('x00280103') ?? 0;
  if (rep !== 0 && rep !== 1)
    throw new FormatError('dicom', `${what}: PixelRepresentation ${rep}, expected 0 or 1`);
  if (support.codec === 'native') {
    const needed = Math.ceil((rows * columns * frames * bitsAllocated) / 8);
    const have = Math.max(0, Math.min(pixel.length, ds.byteArray.length - pixel.dataOffset));
    if (have < needed) {
      throw new FormatError(
        'dicom',
        `${what}: truncated pixel data: ${frames} frame(s) of ${columns}x${rows} at ${bitsAllocated} bits need ${needed} bytes, the file has ${have}`,
      );
    }
  }
  return { rows, columns, bitsAllocated, bitsStored, pixelRepresentation: rep as 0 | 1, frames };
}

/** Orientation and spacing checked; rescale finite with a non-zero slope. */
function checkGeometry(
  orientation: readonly number[],
  spacing: readonly number[],
  slope: number,
  intercept: number,
  what: string,
): void {
  const row = orientation.slice(0, 3);
  const col = orientation.slice(3);
  const dot = row.reduce((s, v, i) => s + v * (col[i] as number), 0);
  if (
    Math.abs(Math.hypot(...row) - 1) > 1e-3 ||
    Math.abs(Math.hypot(...col) - 1) > 1e-3 ||
    Math.abs(dot) > 1e-3
  ) {
    throw new FormatError(
      'dicom',
      `${what}: ImageOrientationPatient [${orientation.join(', ')}] is not two orthogonal unit vectors`,
    );
  }
  if (!((spacing[0] as number) > 0 && (spacing[1] as number) > 0))
    throw new FormatError('dicom', `${what}: PixelSpacing [${spacing.join(', ')}] must be positive`);
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(intercept)) {
    throw new FormatError(
      'dicom',
      `${what}: RescaleSlope ${slope} / RescaleIntercept ${intercept} must be finite, slope non-zero`,
    );
  }
}

function readFrames(ds: DataSet, file: string): DicomSliceInfo[] {
  const ts = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  const image = imageAttributes(ds, ts, file);
  const lossy = (transferSyntaxSupport(ts, file).lossy || ds.string('x00282110') === '01') as boolean;
  const common = {
    file,
    numberOfFrames: image.frames,
    transferSyntaxUid: ts,
    sopClassUid: ds.string('x00080016') ?? ds.string('x00020002') ?? '',
    sopInstanceUid: ds.string('x00080018') ?? ds.string('x00020003') ?? '',
    studyInstanceUid: ds.string('x0020000d') ?? '',
    seriesInstanceUid: ds.string('x0020000e') ?? '',
    frameOfReferenceUid: ds.string('x00200052') ?? '',
    seriesNumber: ds.intString('x00200011'),
    seriesDescription: ds.string('x0008103e') ?? '',
    modality: ds.string('x00080060') ?? '',
    instanceNumber: ds.intString('x00200013'),
    rows: image.rows,
    columns: image.columns,
    bitsAllocated: image.bitsAllocated,
    bitsStored: image.bitsStored,
    pixelRepresentation: image.pixelRepresentation,
    lossy,
  };
  const topSlope = ds.floatString('x00281053') ?? 1;
  const topIntercept = ds.floatString('x00281052') ?? 0;
  if (!ds.elements[PER_FRAME]) {
    if (image.frames !== 1)
      throw new FormatError(
        'dicom',
        `${file}: holds ${image.frames} frames but no PerFrameFunctionalGroupsSequence ${tagName(PER_FRAME)}, so where each frame lies is unknown`,
      );
    const position = decimals(ds, 'x00200032', 3, 'ImagePositionPatient', file);
    const orientation = decimals(ds, 'x00200037', 6, 'ImageOrientationPatient', file);
    const spacing = decimals(ds, 'x00280030', 2, 'PixelSpacing', file);
    checkGeometry(orientation, spacing, topSlope, topIntercept, file);
    return [
      {
        ...common,
        source: file,
        frame: 0,
        position: position as [number, number, number],
        orientation: orientation as [number, number, number, number, number, number],
        pixelSpacing: spacing as [number, number],
        sliceThickness: ds.floatString('x00180050'),
        rescaleSlope: topSlope,
        rescaleIntercept: topIntercept,
      },
    ];
  }
  const items = ds.elements[PER_FRAME]?.items?.length ?? 0;
  if (items !== image.frames)
    throw new FormatError(
      'dicom',
      `${file}: PerFrameFunctionalGroupsSequence ${tagName(PER_FRAME)} has ${items} item(s) for NumberOfFrames ${image.frames}`,
    );
  const shared = sequenceItem(ds, SHARED);
  const out: DicomSliceInfo[] = [];
  for (let f = 0; f < image.frames; f++) {
    const what = `${file} frame ${f + 1}`;
    const perFrame = sequenceItem(ds, PER_FRAME, f);
    // A functional group comes from the frame's own item, else from the shared item.
    const group = (tag: string) => sequenceItem(perFrame, tag) ?? sequenceItem(shared, tag);
    const position = decimals(
      group('x00209113'),
      'x00200032',
      3,
      'PlanePositionSequence > ImagePositionPatient',
      what,
    );
    const orientation = decimals(
      group('x00209116'),
      'x00200037',
      6,
      'PlaneOrientationSequence > ImageOrientationPatient',
      what,
    );
    const measures = group('x00289110');
    const spacing = decimals(measures, 'x00280030', 2, 'PixelMeasuresSequence > PixelSpacing', what);
    const transform = group('x00289145');
    const slope = transform?.floatString('x00281053') ?? topSlope;
    const intercept = transform?.floatString('x00281052') ?? topIntercept;
    checkGeometry(orientation, spacing, slope, intercept, what);
    out.push({
      ...common,
      source: what,
      frame: f,
      position: position as [number, number, number],
      orientation: orientation as [number, number, number, number, number, number],
      pixelSpacing: spacing as [number, number],
      sliceThickness: measures?.floatString('x00180050'),
      rescaleSlope: slope,
      rescaleIntercept: intercept,
    });
  }
  return out;
}
