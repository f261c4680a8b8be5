/**
 * Following a DICOMDIR (the index of a DICOM CD or export): the files its records reference.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import dicomParser from 'dicom-parser';
import { FormatError } from '../format-error.js';
import { type DataSet, guardDicom } from './dataset.js';

/** Media Storage Directory Storage: the SOP class of a DICOMDIR. */
export const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

/** True for a parsed DICOMDIR. */
export function isDicomdir(ds: DataSet): boolean {
  return ds.string('x00020002') === DICOMDIR_SOP_CLASS;
}

/**
 * The ReferencedFileIDs (0004,1500) of a DICOMDIR's directory records, each as a list of path
 * components (the file ID's values), in record order.
 */
export function dicomdirFileIds(ds: DataSet, what: string): string[][] {
  return guardDicom(what, () => {
    const records = ds.elements.x00041220?.items ?? [];
    const out: string[][] = [];
    for (const item of records) {
      const el = item.dataSet?.elements.x00041500;
      if (!el || !item.dataSet) continue;
      const text = dicomParser.readFixedString(item.dataSet.byteArray, el.dataOffset, el.length).trim();
      const parts = text.split('\\').map((p) => p.trim());
      if (parts.some((p) => p === '' || p === '.' || p === '..'))
        throw new FormatError(
          'dicom',
          `${what}: ReferencedFileID ${JSON.stringify(text)} is not a relative file path`,
        );
      out.push(parts);
    }
    return out;
  });
}

/**
 * The paths a DICOMDIR references, resolved against its folder; a component that does not
 * exist as written is matched case-insensitively (file IDs are upper case, copies of CDs often
 * lower case).
 * @returns the paths found, and the file IDs that match nothing.
 */
export async function resolveDicomdir(
  dicomdirPath: string,
  ids: readonly (readonly string[])[],
): Promise<{ files: string[]; missing: string[] }> {
  const listings = new Map<string, Promise<string[]>>();
  const list = (dir: string) => {
    let p = listings.get(dir);
    if (!p) {
      p = readdir(dir).catch(() => []);
      listings.set(dir, p);
    }
    return p;
  };
  const files: string[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    let dir = dirname(dicomdirPath);
    let found = true;
    for (const part of id) {
      const names = await list(dir);
      const name = names.includes(part) ? part : names.find((n) => n.toLowerCase() === part.toLowerCase());
      if (name === undefined) {
        found = false;
        break;
      }
      dir = join(dir, name);
    }
    if (found) files.push(dir);
    else missing.push(id.join('/'));
  }
  return { files, missing };
}
