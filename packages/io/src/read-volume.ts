/**
 * Reading a volume from any supported source: a NIfTI file, a DICOM file, or a folder of DICOM
 * files, detected from the content rather than the name.
 * @module
 */
import { stat } from 'node:fs/promises';
import { type DicomReadOptions, type DicomVolume, readDicomSeries } from './dicom/read-series.js';
import { isDicomPart10 } from './dicom/slice.js';
import { FormatError } from './format-error.js';
import { isGzip } from './fs/gzip.js';
import { withPath } from './fs/path-error.js';
import { openRegularFile } from './fs/regular-file.js';
import { type NiftiReadOptions, readNifti } from './nifti/read.js';
import type { NiftiVolume } from './nifti/volume.js';

/** What {@link readVolume} found. */
export type VolumeSource =
  | { readonly format: 'nifti'; readonly volume: NiftiVolume }
  | { readonly format: 'dicom'; readonly volume: DicomVolume };

/** Options of {@link readVolume}: those of both readers (`maxBytes` applies to both). */
export type ReadVolumeOptions = NiftiReadOptions & DicomReadOptions;

/**
 * Reads a NIfTI file (`.nii`, `.nii.gz`), a DICOM file, or a folder holding one DICOM series
 * (or several, with `series`). The format is detected from the bytes: gzip or a NIfTI
 * `sizeof_hdr` means NIfTI, the `DICM` marker means DICOM.
 *
 * @param path - a file or a folder.
 * @param options - see {@link NiftiReadOptions} and {@link DicomReadOptions}.
 * A path that is neither a folder nor a regular file (after following symlinks: a pipe, such as
 * `/dev/stdin` fed by `|`, a device, a socket) is refused by name before anything is read.
 *
 * @throws FormatError when the file is neither format, or as the readers do;
 * NotRegularFileError for a pipe, device or socket; the fs error when the path does not exist.
 */
export async function readVolume(path: string, options: ReadVolumeOptions = {}): Promise<VolumeSource> {
  const info = await stat(path);
  if (info.isDirectory()) return { format: 'dicom', volume: await readDicomSeries(path, options) };
  const { handle } = await openRegularFile(path, 'nifti');
  const head = new Uint8Array(132);
  let n: number;
  try {
    n = (await handle.read(head, 0, 132, 0)).bytesRead;
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await handle.close();
  }
  const bytes = head.subarray(0, n);
  if (isDicomPart10(bytes)) return { format: 'dicom', volume: await readDicomSeries(path, options) };
  const dv = new DataView(bytes.buffer, 0, n);
  const sizeofHdr = n >= 4 ? [dv.getInt32(0, true), dv.getInt32(0, false)] : [];
  if (isGzip(bytes) || sizeofHdr.some((s) => s === 348 || s === 540)) {
    return { format: 'nifti', volume: await readNifti(path, options) };
  }
  throw new FormatError(
    'nifti',
    `${path}: neither NIfTI (.nii, .nii.gz) nor DICOM Part 10 (no "DICM" marker at byte 128)`,
  );
}
