/**
 * What `deepsc predict --input` names: one scan (a NIfTI file, a DICOM file, a DICOM series
 * folder) or a folder of scans. A folder is a folder of scans when it directly holds NIfTI files
 * (`.nii`, `.nii.gz`; each a scan, each subfolder beside them a DICOM series folder, other files
 * skipped and named), or holds only subfolders (each a DICOM series folder). A folder holding
 * other files and no NIfTI file is one DICOM series folder, as before. Each scan is named after
 * its file (without `.nii` / `.nii.gz`) or folder; its outputs go to `--out/<name>/`.
 * @module
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, ExitCode } from './errors.js';
import { asDataError } from './volume-input.js';

/** One scan of a folder of scans. */
export interface FolderScan {
  /** Its outputs' folder name under `--out`: the file name without `.nii` / `.nii.gz`, or the folder's name. */
  readonly name: string;
  readonly path: string;
  readonly kind: 'nifti' | 'dicom-folder';
}

/** What `--input` holds. */
export type PredictInputs =
  | { readonly kind: 'scan' }
  | {
      readonly kind: 'folder';
      readonly scans: readonly FolderScan[];
      /** Files of the folder that are not scans (skipped), by name. */
      readonly skipped: readonly string[];
    };

const NIFTI = /\.nii(\.gz)?$/i;

/**
 * Lists the scans `path` holds.
 * @throws CliError (exit 3) for a folder that cannot be listed, an empty folder, or two scans that
 *   would write to the same output folder (`a.nii` and `a.nii.gz`), naming them.
 */
export async function listPredictInputs(path: string): Promise<PredictInputs> {
  // a path that is not a folder, or cannot be looked at, is one scan: its reader names the problem
  // (after the checkpoint is checked, as for any scan)
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return { kind: 'scan' };
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (err) {
    throw asDataError(path, err);
  }
  // hidden entries (.DS_Store, a partial download's .part file) are nobody's scan
  const visible = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (visible.length === 0)
    throw new CliError(
      `${path}: an empty folder: no NIfTI files, DICOM files or DICOM series folders to predict`,
      ExitCode.data,
    );
  const nifti = visible.filter((e) => !e.isDirectory() && NIFTI.test(e.name));
  const folders = visible.filter((e) => e.isDirectory());
  const others = visible.filter((e) => !e.isDirectory() && !NIFTI.test(e.name));
  // DICOM files directly in the folder (and no NIfTI file): one series folder, as before
  if (nifti.length === 0 && others.length > 0) return { kind: 'scan' };
  const scans: FolderScan[] = [
    ...nifti.map((e) => ({
      name: e.name.replace(NIFTI, ''),
      path: join(path, e.name),
      kind: 'nifti' as const,
    })),
    ...folders.map((e) => ({ name: e.name, path: join(path, e.name), kind: 'dicom-folder' as const })),
  ];
  const byName = new Map<string, string[]>();
  for (const s of scans) byName.set(s.name, [...(byName.get(s.name) ?? []), s.path]);
  const clashes = [...byName.entries()].filter(([, ps]) => ps.length > 1);
  if (clashes.length > 0)
    throw new CliError(
      `${path}: ${clashes.map(([n, ps]) => `${ps.join(' and ')} would both write ${n}/`).join('; ')}; rename one`,
      ExitCode.data,
    );
  return { kind: 'folder', scans, skipped: others.map((e) => e.name) };
}
