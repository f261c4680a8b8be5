/**
 * Reading a DICOM series (a folder of files, searched recursively, or one file) into a volume
 * of rescaled values (HU for CT) with its RAS affine.
 * @module
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../format-error.js';
import { DEFAULT_MAX_BYTES } from '../fs/gzip.js';
import { createVolume, type Volume } from '../volume.js';
import { type DicomGeometryOptions, seriesGeometry } from './geometry.js';
import {
  type DicomSliceInfo,
  decodeSlicePixels,
  guardDicom,
  isDicomPart10,
  parseDicomBytes,
  sliceInfo,
} from './slice.js';

/** Options of {@link readDicomSeries} and {@link listDicomSeries}. */
export interface DicomReadOptions extends DicomGeometryOptions {
  /** SeriesInstanceUID to read when the folder holds several series (required then). */
  series?: string;
  /** Largest file, and largest volume (as float32), in bytes; default 2 GiB. */
  maxBytes?: number;
}

/** One series found in a folder. */
export interface DicomSeriesSummary {
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number | undefined;
  readonly seriesDescription: string;
  readonly modality: string;
  /** Image files of the series. */
  readonly files: number;
  readonly transferSyntaxes: readonly string[];
}

/** A volume read from a DICOM series. */
export interface DicomVolume extends Volume {
  readonly seriesInstanceUid: string;
  readonly seriesDescription: string;
  readonly modality: string;
  readonly transferSyntaxes: readonly string[];
  /** The files, in slice order (k = 0, 1, ...). */
  readonly files: readonly string[];
  /** Problems worked around (uneven spacing with `warn`, gantry tilt, skipped files...). */
  readonly warnings: readonly string[];
}

interface Group {
  slices: DicomSliceInfo[];
  errors: Error[];
  summary: { number: number | undefined; description: string; modality: string; syntaxes: Set<string> };
}

/** SOP classes without pixel data that may sit beside images: DICOMDIR, SR, presentation states, RT structures, PDF, raw data. */
const NON_IMAGE_CLASSES = [
  '1.2.840.10008.1.3.10',
  '1.2.840.10008.5.1.4.1.1.88.',
  '1.2.840.10008.5.1.4.1.1.11.',
  '1.2.840.10008.5.1.4.1.1.481.3',
  '1.2.840.10008.5.1.4.1.1.104.',
  '1.2.840.10008.5.1.4.1.1.66',
];

async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(path);
  return out;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readWhole(path: string, maxBytes: number): Promise<Uint8Array> {
  const size = (await stat(path)).size;
  if (size > maxBytes) throw new RangeError(`${path}: ${size} bytes exceed maxBytes ${maxBytes}`);
  const handle = await open(path, 'r');
  try {
    const buf = await handle.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    await handle.close();
  }
}

async function scan(
  path: string,
  maxBytes: number,
): Promise<{ groups: Map<string, Group>; warnings: string[]; scanned: number }> {
  const files = await listFiles(path);
  const groups = new Map<string, Group>();
  let skipped = 0;
  let noPixels = 0;
  for (const file of files) {
    if (!isDicomPart10(await readHead(file, 132))) {
      skipped++;
      continue;
    }
    const ds = parseDicomBytes(await readWhole(file, maxBytes), file, maxBytes);
    const head = guardDicom(file, () => ({
      sopClass: ds.string('x00020002') ?? '',
      uid: ds.string('x0020000e') ?? '',
      number: ds.intString('x00200011'),
      description: ds.string('x0008103e') ?? '',
      modality: ds.string('x00080060') ?? '',
      syntax: ds.string('x00020010') ?? '1.2.840.10008.1.2',
    }));
    if (!ds.elements.x7fe00010 && NON_IMAGE_CLASSES.some((prefix) => head.sopClass.startsWith(prefix))) {
      noPixels++;
      continue;
    }
    let group = groups.get(head.uid);
    if (!group) {
      group = {
        slices: [],
        errors: [],
        summary: {
          number: head.number,
          description: head.description,
          modality: head.modality,
          syntaxes: new Set(),
        },
      };
      groups.set(head.uid, group);
    }
    group.summary.syntaxes.add(head.syntax);
    try {
      group.slices.push(sliceInfo(ds, file));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      group.errors.push(err);
    }
  }
  const warnings: string[] = [];
  if (skipped > 0) warnings.push(`${path}: skipped ${skipped} file(s) that are not DICOM Part 10`);
  if (noPixels > 0) warnings.push(`${path}: skipped ${noPixels} DICOM file(s) without pixel data`);
  return { groups, warnings, scanned: files.length };
}

function summaries(groups: Map<string, Group>): DicomSeriesSummary[] {
  return [...groups.entries()].map(([uid, g]) => ({
    seriesInstanceUid: uid,
    seriesNumber: g.summary.number,
    seriesDescription: g.summary.description,
    modality: g.summary.modality,
    files: g.slices.length + g.errors.length,
    transferSyntaxes: [...g.summary.syntaxes],
  }));
}

/**
 * The image series in a folder (searched recursively) or file.
 * @throws FormatError for a corrupt DICOM file; the fs error when the path cannot be read.
 */
export async function listDicomSeries(
  path: string,
  options: Pick<DicomReadOptions, 'maxBytes'> = {},
): Promise<DicomSeriesSummary[]> {
  return summaries((await scan(path, options.maxBytes ?? DEFAULT_MAX_BYTES)).groups);
}

/**
 * Reads one DICOM image series into a volume of rescaled values (value * RescaleSlope +
 * RescaleIntercept: Hounsfield units for CT), int16 when every value is an integer in the
 * int16 range, float32 otherwise.
 *
 * Files are grouped by SeriesInstanceUID and sorted by ImagePositionPatient projected on the
 * slice normal (the cross product of the ImageOrientationPatient directions); file names and
 * InstanceNumber are ignored. The affine maps (column, row, slice) to RAS+ mm. Transfer syntaxes:
 * implicit VR little endian, explicit VR little and big endian, deflated explicit VR little
 * endian. Files that are not DICOM Part 10, and DICOM files without pixel data, are skipped
 * with a warning.
 *
 * @param path - a folder (searched recursively) or a single file.
 * @param options - see {@link DicomReadOptions}.
 * @throws FormatError when no image is found, several series exist and `series` does not name
 * one, a file is corrupt or the series is not a regular stack (see {@link DicomGeometryOptions});
 * UnsupportedTransferSyntaxError for compressed pixel data (JPEG, JPEG-LS, JPEG 2000, RLE...);
 * RangeError when a file or the volume exceeds `maxBytes`.
 */
export async function readDicomSeries(path: string, options: DicomReadOptions = {}): Promise<DicomVolume> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const { groups, warnings, scanned } = await scan(path, maxBytes);
  if (groups.size === 0)
    throw new FormatError('dicom', `${path}: no DICOM images found (${scanned} file(s) scanned)`);
  const list = () =>
    summaries(groups)
      .map(
        (s) =>
          `${s.seriesInstanceUid} (#${s.seriesNumber ?? '?'} ${JSON.stringify(s.seriesDescription)}, ${s.modality}, ${s.files} files)`,
      )
      .join('; ');
  let uid: string;
  if (options.series !== undefined) {
    if (!groups.has(options.series))
      throw new FormatError('dicom', `${path}: no series ${options.series}; found ${list()}`);
    uid = options.series;
  } else if (groups.size > 1) {
    throw new FormatError(
      'dicom',
      `${path}: holds ${groups.size} series; choose one with the series option (SeriesInstanceUID): ${list()}`,
    );
  } else {
    uid = [...groups.keys()][0] as string;
  }
  const group = groups.get(uid) as Group;
  if (group.errors.length > 0) throw group.errors[0];
  const geometry = seriesGeometry(group.slices, options, `series ${uid}`);
  const [ni, nj, nk] = geometry.dims;
  const bytes = ni * nj * nk * 4;
  if (bytes > maxBytes)
    throw new RangeError(
      `${path}: a ${ni}x${nj}x${nk} volume needs ${bytes} bytes, more than maxBytes ${maxBytes}`,
    );
  const values = new Float32Array(ni * nj * nk);
  let integral = true;
  for (const [k, s] of geometry.slices.entries()) {
    const ds = parseDicomBytes(await readWhole(s.source, maxBytes), s.source, maxBytes);
    integral = guardDicom(s.source, () => decodeSlicePixels(ds, s, values, k * ni * nj)) && integral;
  }
  let data: Float32Array | Int16Array = values;
  if (integral && values.every((v) => v >= -32768 && v <= 32767)) data = Int16Array.from(values);
  const modality = group.summary.modality;
  const extra =
    modality && modality !== 'CT'
      ? [`series ${uid}: modality ${modality}; values are rescaled but are not Hounsfield units`]
      : [];
  const volume = createVolume(data, geometry.dims, geometry.affine);
  return {
    ...volume,
    seriesInstanceUid: uid,
    seriesDescription: group.summary.description,
    modality,
    transferSyntaxes: [...group.summary.syntaxes],
    files: geometry.slices.map((s) => s.source),
    warnings: [...warnings, ...geometry.warnings, ...extra],
  };
}
