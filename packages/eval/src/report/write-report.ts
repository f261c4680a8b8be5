/**
 * `deepsc report` in one call: read a run folder, render, write the HTML atomically.
 * @module
 */

import { dirname, join } from 'node:path';
import { makeDirectory, writeFileAtomic } from '@deepsc/io';
import { renderReportHtml } from './render-report.js';
import type { ReportData } from './report-data.js';
import { loadRunFolder, type RunFolderOptions } from './run-folder.js';

/**
 * Builds the report of a run folder and writes it (temporary file, then rename), creating the
 * file's folder when it is missing.
 * @param out the HTML file; default `<folder>/report.html`.
 * @returns the file written and the data it shows.
 * @throws as `loadRunFolder`; the fs error when the file cannot be written.
 */
export async function writeRunReport(
  folder: string,
  out: string = join(folder, 'report.html'),
  options: RunFolderOptions = {},
): Promise<{ path: string; data: ReportData; bytes: number }> {
  const data = await loadRunFolder(folder, options);
  const html = renderReportHtml(data);
  await makeDirectory(dirname(out));
  await writeFileAtomic(out, html);
  return { path: out, data, bytes: Buffer.byteLength(html) };
}
