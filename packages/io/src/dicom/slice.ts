/**
 * One DICOM file (a slice): its geometry and rescale attributes, and its pixels in HU.
 * @module
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { FormatError } from '../format-error.js';
import { assertSupportedTransferSyntax } from './transfer-syntax.js';

type DataSet = ReturnType<typeof dicomParser.parseDicom>;

/** The attributes of one image file that place it in a series and in space. */
export interface DicomSliceInfo {
  /** Where it came from (a path, usually). */
  readonly source: string;
  readonly transferSyntaxUid: string;
  readonly seriesInstanceUid: string;
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
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
}

const DICM_OFFSET = 128;

/** True when the bytes carry the DICOM Part 10 preamble marker `DICM` at offset 128. */
export function isDicomPart10(bytes: Uint8Array): boolean {
  return (
    bytes.length >= DICM_OFFSET + 4 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

function parse(bytes: Uint8Array, what: string, maxBytes: number, untilTag?: string): DataSet {
  try {
    return dicomParser.parseDicom(bytes, {
      ...(untilTag ? { untilTag } : {}),
      // The deflated transfer syntax compresses everything after the file meta information.
      inflater: ((arr: Uint8Array, position: number) => {
        const body = inflateRawSync(arr.subarray(position), {
          maxOutputLength: Math.min(maxBytes, 2 ** 32 - 1),
        });
        const out = new Uint8Array(position + body.length);
        out.set(arr.subarray(0, position));
        out.set(body, position);
        return out;
      }) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException | string;
    if (typeof e !== 'string' && (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)) {
      throw new RangeError(`${what}: the deflated dataset inflates to more than maxBytes ${maxBytes}`);
    }
    const message = typeof e === 'string' ? e : e instanceof Error ? e.message : String(e);
    throw new FormatError('dicom', `${what}: not a readable DICOM file (${message})`);
  }
}

function numbers(ds: DataSet, tag: string, n: number, name: string, what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) {
      throw new FormatError(
        'dicom',
        `${what}: ${name} (${tag.slice(1, 5)},${tag.slice(5)}) is missing or has fewer than ${n} numbers`,
      );
    }
    out.push(v);
  }
  return out;
}

/**
 * Parses the attributes of one DICOM Part 10 image file (not its pixels).
 * @param bytes - the file.
 * @param what - its name for messages.
 * @param maxBytes - cap on the inflated size of a deflated dataset; default 2 GiB.
 * @throws FormatError when it is not DICOM, lacks a required attribute (position, orientation,
 * pixel spacing, rows, columns, pixel data) or has inconsistent values;
 * UnsupportedTransferSyntaxError for compressed pixel data.
 */
export function parseDicomSliceInfo(bytes: Uint8Array, what = 'dicom', maxBytes = 2 ** 31): DicomSliceInfo {
  return sliceInfo(parseDicomBytes(bytes, what, maxBytes), what);
}

/** Parses a DICOM Part 10 file with dicom-parser; FormatError when it is not DICOM. */
export function parseDicomBytes(bytes: Uint8Array, what: string, maxBytes: number): DataSet {
  if (!isDicomPart10(bytes))
    throw new FormatError('dicom', `${what}: not a DICOM Part 10 file (no "DICM" marker at byte 128)`);
  return parse(bytes, what, maxBytes);
}

/**
 * Runs `fn`, turning anything dicom-parser throws on malformed data (strings, TypeErrors) into
 * a FormatError naming the file; FormatError and RangeError pass through.
 */
export function guardDicom<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FormatError || err instanceof RangeError) throw err;
    const message = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err);
    throw new FormatError('dicom', `${what}: malformed DICOM attributes (${message})`);
  }
}

/** The attributes of a parsed dataset; see {@link parseDicomSliceInfo}. */
export function sliceInfo(ds: DataSet, what: string): DicomSliceInfo {
  return guardDicom(what, () => readSliceInfo(ds, what));
}

function readSliceInfo(ds: DataSet, what: string): DicomSliceInfo {
  const ts = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  const pixel = ds.elements.x7fe00010;
  if (!pixel)
    throw new FormatError(
      'dicom',
      `${what}: has no pixel data (7FE0,0010); a truncated file, or not an image`,
    );
  assertSupportedTransferSyntax(ts, what);
  if (pixel.encapsulatedPixelData) {
    throw new FormatError('dicom', `${what}: encapsulated (compressed) pixel data in transfer syntax ${ts}`);
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
  const frames = ds.intString('x00280008') ?? 1;
  if (frames !== 1)
    throw new FormatError(
      'dicom',
      `${what}: holds ${frames} frames; multi-frame (enhanced) images are not supported`,
    );
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  if (![8, 16, 32].includes(bitsAllocated))
    throw new FormatError('dicom', `${what}: BitsAllocated ${bitsAllocated}, expected 8, 16 or 32`);
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw new FormatError(
      'dicom',
      `${what}: BitsStored ${bitsStored} must be 1 to BitsAllocated ${bitsAllocated}`,
    );
  }
  const rep = ds.uint16('x00280103') ?? 0;
  if (rep !== 0 && rep !== 1)
    throw new FormatError('dicom', `${what}: PixelRepresentation ${rep}, expected 0 or 1`);
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(intercept)) {
    throw new FormatError(
      'dicom',
      `${what}: RescaleSlope ${slope} / RescaleIntercept ${intercept} must be finite, slope non-zero`,
    );
  }
  const position = numbers(ds, 'x00200032', 3, 'ImagePositionPatient', what) as [number, number, number];
  const orientation = numbers(ds, 'x00200037', 6, 'ImageOrientationPatient', what) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
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
  const spacing = numbers(ds, 'x00280030', 2, 'PixelSpacing', what) as [number, number];
  if (!(spacing[0] > 0 && spacing[1] > 0))
    throw new FormatError('dicom', `${what}: PixelSpacing [${spacing.join(', ')}] must be positive`);
  const needed = rows * columns * (bitsAllocated / 8);
  if (pixel.length < needed || pixel.dataOffset + needed > ds.byteArray.length) {
    throw new FormatError(
      'dicom',
      `${what}: truncated pixel data: ${rows}x${columns} at ${bitsAllocated} bits needs ${needed} bytes, the file has ${Math.max(0, Math.min(pixel.length, ds.byteArray.length - pixel.dataOffset))}`,
    );
  }
  return {
    source: what,
    transferSyntaxUid: ts,
    seriesInstanceUid: ds.string('x0020000e') ?? '',
    seriesNumber: ds.intString('x00200011'),
    seriesDescription: ds.string('x0008103e') ?? '',
    modality: ds.string('x00080060') ?? '',
    instanceNumber: ds.intString('x00200013'),
    rows,
    columns,
    position,
    orientation,
    pixelSpacing: spacing,
    sliceThickness: ds.floatString('x00180050'),
    bitsAllocated,
    bitsStored,
    pixelRepresentation: rep as 0 | 1,
    rescaleSlope: slope,
    rescaleIntercept: intercept,
  };
}

/**
 * Writes a slice's rescaled values (raw * RescaleSlope + RescaleIntercept, HU for CT) into
 * `out` starting at `offset`, row after row (column index fastest).
 * @returns whether every value was an integer (so the series can stay int16).
 */
export function decodeSlicePixels(
  ds: DataSet,
  info: DicomSliceInfo,
  out: Float32Array,
  offset: number,
): boolean {
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw new FormatError('dicom', `${info.source}: has no pixel data (7FE0,0010)`);
  const n = info.rows * info.columns;
  const bytes = info.bitsAllocated / 8;
  const dv = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + pixel.dataOffset, n * bytes);
  const le = info.transferSyntaxUid !== '1.2.840.10008.1.2.2';
  const signed = info.pixelRepresentation === 1;
  // Bits above BitsStored may hold overlays or garbage: mask them, and sign-extend from BitsStored.
  const shift = 32 - info.bitsStored;
  const { rescaleSlope: slope, rescaleIntercept: inter } = info;
  let integral = Number.isInteger(slope) && Number.isInteger(inter);
  for (let p = 0; p < n; p++) {
    let v: number;
    if (bytes === 1) v = dv.getUint8(p);
    else if (bytes === 2) v = dv.getUint16(2 * p, le);
    else v = dv.getUint32(4 * p, le);
    v = signed ? (v << shift) >> shift : shift === 0 ? v : (v << shift) >>> shift;
    const hu = v * slope + inter;
    out[offset + p] = hu;
    if (integral && Math.fround(hu) !== hu) integral = false;
  }
  return integral;
}
