/**
 * Reading a DICOM series (a folder of files searched recursively, a DICOMDIR, or one file,
 * single- or multi-frame) into a volume of rescaled values (HU for CT) with its RAS affine.
 * @module
 */
import { readdir, readlink, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { FormatError } from '../format-error.js';
import { DEFAULT_MAX_BYTES } from '../fs/gzip.js';
import { withPath } from '../fs/path-error.js';
import { fileKind, NotRegularFileError, openRegularFile } from '../fs/regular-file.js';
import { checkWorkerCount } from '../threads/limits.js';
import { createVolume, type Volume } from '../volume.js';
import { FrameDecodePool } from './codecs/decode-pool.js';
import { type DataSet, guardDicom, isDicomPart10, parseDicomBytes, parserMessage } from './dataset.js';
import { dicomdirFileIds, isDicomdir, resolveDicomdir } from './dicomdir.js';
import { type DicomGeometryOptions, seriesGeometry } from './geometry.js';
import { rescaleFrame, storedFrameValues } from './pixels.js';
import { type DicomSliceInfo, imageFrames } from './slice.js';
import { SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName } from './transfer-syntax.js';

/** Options of {@link readDicomSeries} and {@link listDicomSeries}. */
export interface DicomReadOptions extends DicomGeometryOptions {
  /** SeriesInstanceUID to read when the folder holds several series (required then). */
  series?: string;
  /** Largest file, and largest volume (as float32), in bytes; default 2 GiB. */
  maxBytes?: number;
  /**
   * Worker threads that decode compressed frames: 0 or 1 decodes on the calling thread; default
   * the machine's parallelism up to 8 on the main thread (0 inside a worker thread), used when
   * the series has at least 4 compressed frames per thread (fewer are not worth starting
   * threads for).
   */
  decodeThreads?: number;
}

/** Default cap of {@link DicomReadOptions.decodeThreads}. */
const DEFAULT_DECODE_THREADS = 8;

/** The decoder threads for `compressed` frames: 0 (decode on this thread) or 2 and more. */
function decodeThreads(requested: number | undefined, compressed: number): number {
  if (requested !== undefined) checkWorkerCount(requested, 'readDicomSeries: decodeThreads');
  // inside a worker thread (a loader's, say) the default is no pool of its own: pools would nest
  const wanted = requested ?? (isMainThread ? Math.min(availableParallelism(), DEFAULT_DECODE_THREADS) : 0);
  const threads = Math.min(wanted, Math.floor(compressed / 4));
  return threads >= 2 ? threads : 0;
}

/** One series found in a folder. */
export interface DicomSeriesSummary {
  readonly seriesInstanceUid: string;
  readonly seriesNumber: number | undefined;
  readonly seriesDescription: string;
  readonly modality: string;
  /** Image files of the series. */
  readonly files: number;
  /** Image frames (slices) in those files: one per classic file, NumberOfFrames per multi-frame file. */
  readonly frames: number;
  readonly transferSyntaxes: readonly string[];
  /** SOP classes of its files (CT Image Storage, Enhanced CT Image Storage, Segmentation...). */
  readonly sopClasses: readonly string[];
}

/** A volume read from a DICOM series. */
export interface DicomVolume extends Volume {
  readonly seriesInstanceUid: string;
  readonly seriesDescription: string;
  readonly modality: string;
  readonly transferSyntaxes: readonly string[];
  /** The files, in slice order (k = 0, 1, ...) of their first frame. */
  readonly files: readonly string[];
  /** Every slice (frame), in slice order: where it came from and its attributes. */
  readonly slices: readonly DicomSliceInfo[];
  /** Problems worked around (uneven spacing with `warn`, gantry tilt, skipped files...). */
  readonly warnings: readonly string[];
}

interface Group {
  slices: DicomSliceInfo[];
  errors: Error[];
  files: number;
  summary: {
    number: number | undefined;
    description: string;
    modality: string;
    syntaxes: Set<string>;
    sopClasses: Set<string>;
  };
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

const isDicomdirName = (path: string) => basename(path).toUpperCase() === 'DICOMDIR';

/** A folder entry that is a symbolic link: the regular file it leads to, or an error naming it. */
async function followLink(path: string): Promise<void> {
  let target = '?';
  try {
    target = await readlink(path);
  } catch {
    // keep '?'
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR')
      throw new FormatError(
        'dicom',
        `${path}: a dangling symbolic link (to ${target}${code === 'ELOOP' ? ', a loop' : ', which does not exist'})`,
      );
    throw withPath(err, path);
  }
  if (!info.isFile())
    throw new FormatError(
      'dicom',
      `${path}: a symbolic link to ${fileKind(info)} (${target}); only links to regular files are followed`,
    );
}

/**
 * The files to scan: those a DICOMDIR references (the given file, or one at the top of the
 * given folder), else every file under the folder, following symbolic links to regular files.
 */
async function listFiles(path: string, maxBytes: number): Promise<{ files: string[]; warnings: string[] }> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    if (!info.isFile()) throw new NotRegularFileError(path, fileKind(info), 'dicom');
    return isDicomdirName(path) ? followDicomdir(path, maxBytes) : { files: [path], warnings: [] };
  }
  const top = await readdir(path, { withFileTypes: true });
  const dicomdir = top.find((e) => isDicomdirName(e.name) && (e.isFile() || e.isSymbolicLink()));
  if (dicomdir) return followDicomdir(join(path, dicomdir.name), maxBytes);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        await followLink(p);
        out.push(p);
      } else throw new NotRegularFileError(p, fileKind(await stat(p)), 'dicom');
    }
  };
  await walk(path);
  return { files: out, warnings: [] };
}

async function followDicomdir(
  path: string,
  maxBytes: number,
): Promise<{ files: string[]; warnings: string[] }> {
  const ds = parseDicomBytes(await readWhole(path, maxBytes), path, maxBytes);
  if (!isDicomdir(ds))
    throw new FormatError(
      'dicom',
      `${path}: named DICOMDIR but its SOP class is not Media Storage Directory`,
    );
  const ids = dicomdirFileIds(ds, path);
  const { files, missing } = await resolveDicomdir(path, ids);
  const warnings = [`${path}: followed the DICOMDIR (${ids.length} file reference(s))`];
  // A file the index lists but the folder lacks: the series would be read short (the gap may
  // not even show, at either end of the stack), so it is an error.
  if (missing.length > 0)
    throw new FormatError(
      'dicom',
      `${path}: ${missing.length} file(s) the DICOMDIR references are missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}); copy the whole export`,
    );
  return { files, warnings };
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const { handle } = await openRegularFile(path, 'dicom');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await handle.close();
  }
}

async function readWhole(path: string, maxBytes: number): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, 'dicom');
  try {
    if (size > maxBytes) throw new RangeError(`${path}: ${size} bytes exceed maxBytes ${maxBytes}`);
    const buf = await handle.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await handle.close();
  }
}

async function scan(
  path: string,
  maxBytes: number,
): Promise<{ groups: Map<string, Group>; warnings: string[]; scanned: number }> {
  const { files, warnings } = await listFiles(path, maxBytes);
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
        files: 0,
        summary: {
          number: head.number,
          description: head.description,
          modality: head.modality,
          syntaxes: new Set(),
          sopClasses: new Set(),
        },
      };
      groups.set(head.uid, group);
    }
    group.files++;
    group.summary.syntaxes.add(head.syntax);
    group.summary.sopClasses.add(head.sopClass);
    try {
      group.slices.push(...imageFrames(ds, file));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      group.errors.push(err);
    }
  }
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
    files: g.files,
    frames: g.slices.length,
    transferSyntaxes: [...g.summary.syntaxes],
    sopClasses: [...g.summary.sopClasses],
  }));
}

/**
 * The image series in a folder (searched recursively, or as its DICOMDIR says) or file.
 * @throws FormatError for a corrupt DICOM file, a dangling symbolic link or a link to something
 * other than a regular file; the fs error when the path cannot be read.
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
 * Files are grouped by SeriesInstanceUID; their frames (one per classic file, each frame of an
 * Enhanced or Legacy Converted Enhanced multi-frame file, placed by its functional groups) are
 * sorted by ImagePositionPatient projected on the slice normal (the cross product of the
 * ImageOrientationPatient directions); file names and InstanceNumber are ignored. The affine
 * maps (column, row, slice) to RAS+ mm. Compressed transfer syntaxes (RLE, JPEG Lossless,
 * JPEG-LS, JPEG 2000, 8-bit JPEG) are decoded with codecs loaded on first use; see
 * {@link SUPPORTED_TRANSFER_SYNTAXES}. A DICOMDIR at the top of the folder (or given as the path)
 * is followed. Files that are not DICOM Part 10, and DICOM files without pixel data, are skipped
 * with a warning; symbolic links to regular files are followed.
 *
 * @param path - a folder (searched recursively), a DICOMDIR, or a single file.
 * @param options - see {@link DicomReadOptions}.
 * @throws FormatError when no image is found, several series exist and `series` does not name
 * one, a file is corrupt, a link dangles or leads elsewhere than a regular file, or the series
 * is not a regular stack (see {@link DicomGeometryOptions}); UnsupportedTransferSyntaxError for
 * pixel data that cannot be decoded (HTJ2K, JPEG XL, video, 12-bit lossy JPEG); RangeError when
 * a file or the volume exceeds `maxBytes`.
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
          `${s.seriesInstanceUid} (#${s.seriesNumber ?? '?'} ${JSON.stringify(s.seriesDescription)}, ${s.modality}, ${s.files} files, ${s.frames} frames)`,
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
  // Each file is parsed once, however many of its frames the volume holds.
  const byFile = new Map<string, { k: number; slice: DicomSliceInfo }[]>();
  for (const [k, slice] of geometry.slices.entries()) {
    const list = byFile.get(slice.file) ?? [];
    list.push({ k, slice });
    byFile.set(slice.file, list);
  }
  const compressed = geometry.slices.filter(
    (sl) => SUPPORTED_TRANSFER_SYNTAXES[sl.transferSyntaxUid]?.codec !== 'native',
  ).length;
  const threads = decodeThreads(options.decodeThreads, compressed);
  const pool = threads > 1 ? new FrameDecodePool(threads) : undefined;
  let integral = true;
  // Frames in flight on the pool (bounded, so encoded and decoded frames do not pile up).
  const inFlight: Promise<void>[] = [];
  const decodeOne = async (ds: DataSet, k: number, slice: DicomSliceInfo) => {
    try {
      const raw = await storedFrameValues(ds, slice, pool);
      integral = rescaleFrame(raw, slice, values, k * ni * nj) && integral;
    } catch (err) {
      if (err instanceof FormatError || err instanceof RangeError) throw err;
      throw new FormatError('dicom', `${slice.source}: pixel data cannot be read (${parserMessage(err)})`);
    }
  };
  try {
    for (const [file, frames] of byFile) {
      const ds = parseDicomBytes(await readWhole(file, maxBytes), file, maxBytes);
      for (const { k, slice } of frames) {
        const job = decodeOne(ds, k, slice);
        if (!pool) {
          await job;
          continue;
        }
        // a rejection is handled when the job is awaited; keep it from counting as unhandled
        job.catch(() => {});
        inFlight.push(job);
        if (inFlight.length >= 4 * threads) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
  } finally {
    await pool?.close();
  }
  let data: Float32Array | Int16Array = values;
  if (integral && values.every((v) => v >= -32768 && v <= 32767)) data = Int16Array.from(values);
  const modality = group.summary.modality;
  const extra: string[] = [];
  if (modality && modality !== 'CT' && modality !== 'SEG')
    extra.push(`series ${uid}: modality ${modality}; values are rescaled but are not Hounsfield units`);
  const lossy = [
    ...new Set(
      geometry.slices
        .filter((s) => s.lossy)
        .map((s) =>
          SUPPORTED_TRANSFER_SYNTAXES[s.transferSyntaxUid]?.lossy
            ? transferSyntaxName(s.transferSyntaxUid)
            : 'LossyImageCompression 01',
        ),
    ),
  ];
  if (lossy.length > 0)
    extra.push(
      `series ${uid}: the pixels went through lossy compression (${lossy.join(', ')}); values differ from the scanner's`,
    );
  const volume = createVolume(data, geometry.dims, geometry.affine);
  return {
    ...volume,
    seriesInstanceUid: uid,
    seriesDescription: group.summary.description,
    modality,
    transferSyntaxes: [...group.summary.syntaxes],
    files: [...byFile.keys()],
    slices: geometry.slices,
    warnings: [...warnings, ...geometry.warnings, ...extra],
  };
}
