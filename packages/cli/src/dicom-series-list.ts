/**
 * What `deepsc inspect` prints for a DICOM folder (or DICOMDIR) that holds several series: one
 * entry per series, so the user can pick one with `--series`.
 * @module
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type DicomSeriesSummary, listDicomSeries, transferSyntaxName } from '@deepsc/io';
import { asDataError } from './volume-input.js';

/** The series of a DICOM folder or DICOMDIR, or undefined for any other input (a file). */
export async function dicomFolderSeries(path: string): Promise<DicomSeriesSummary[] | undefined> {
  try {
    const info = await stat(path);
    if (!info.isDirectory() && basename(path).toUpperCase() !== 'DICOMDIR') return undefined;
    return await listDicomSeries(path);
  } catch (err) {
    throw asDataError(path, err);
  }
}

/** The JSON listing of the series, each with its transfer syntaxes named. */
export function describeSeriesList(
  path: string,
  series: readonly DicomSeriesSummary[],
): Record<string, unknown> {
  return {
    format: 'dicom-series-list',
    path,
    hint: 'the folder holds several series; inspect, convert or predict one with --series <seriesInstanceUid>',
    series: series.map((s) => ({
      seriesInstanceUid: s.seriesInstanceUid,
      seriesNumber: s.seriesNumber ?? null,
      seriesDescription: s.seriesDescription,
      modality: s.modality,
      files: s.files,
      frames: s.frames,
      transferSyntaxes: s.transferSyntaxes.map((uid) => ({ uid, name: transferSyntaxName(uid) })),
    })),
  };
}
