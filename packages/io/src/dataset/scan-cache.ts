/**
 * The on-disk cache of preprocessed scans, keyed by the content of the scan's files and the
 * preprocessing options, so a changed file or option never serves a stale volume. Each entry is
 * uncompressed NIfTI (fast to read) written atomically; a small JSON marker, written last,
 * makes an entry visible only once all its files are complete, and keeps the exact affine.
 * @module
 */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../format-error.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { makeDirectory } from '../fs/make-directory.js';
import { withPath } from '../fs/path-error.js';
import { openRegularFile, readRegularTextFile } from '../fs/regular-file.js';
import { readNifti } from '../nifti/read.js';
import { writeNifti } from '../nifti/write.js';
import { type Affine, createVolume, type Volume } from '../volume.js';
import type { PreparedScan, PreprocessOptions, ScanFiles } from './prepare.js';

/** Bump when the preprocessing code changes what it produces, so old caches are not reused. */
export const CACHE_FORMAT_VERSION = 1;

/**
 * SHA-256 of a regular file's bytes, hex.
 * @throws NotRegularFileError for a pipe, device, socket or folder (never read: it could be
 * endless); the fs error, naming the path.
 */
export async function hashFile(path: string): Promise<string> {
  const { handle } = await openRegularFile(path, 'nifti');
  try {
    const h = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 1 << 20 }))
      h.update(chunk);
    return h.digest('hex');
  } catch (err) {
    throw withPath(err, path);
  } finally {
    await handle.close();
  }
}

/** A stable JSON text (sorted keys) of preprocessing options. */
export function canonicalOptions(o: PreprocessOptions): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(o));
}

/** The cache key of a scan: its label, its files' content hashes and the options. */
export function cacheKey(
  files: ScanFiles,
  hashes: { image: string; lesion?: string; lung?: string },
  options: PreprocessOptions,
): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      v: CACHE_FORMAT_VERSION,
      label: files.label,
      hashes,
      options: canonicalOptions(options),
    }),
  );
  return h.digest('hex').slice(0, 32);
}

/** Content hashes of a scan's files, memoised by (path, size, mtime) so later epochs do not re-read them. */
export class FileHasher {
  private readonly memo = new Map<string, { size: number; mtimeMs: number; hash: string }>();
  async hash(path: string): Promise<string> {
    const s = await stat(path);
    const m = this.memo.get(path);
    if (m && m.size === s.size && m.mtimeMs === s.mtimeMs) return m.hash;
    const hash = await hashFile(path);
    this.memo.set(path, { size: s.size, mtimeMs: s.mtimeMs, hash });
    return hash;
  }
  async hashes(files: ScanFiles): Promise<{ image: string; lesion?: string; lung?: string }> {
    return {
      image: await this.hash(files.image),
      ...(files.lesion ? { lesion: await this.hash(files.lesion) } : {}),
      ...(files.lung ? { lung: await this.hash(files.lung) } : {}),
    };
  }
}

/**
 * Reads a cached scan, or undefined when the entry is absent, incomplete or unreadable as a
 * cache entry (a damaged file is a miss: the scan is preprocessed again and the entry rewritten).
 * @throws the system error (EIO...) when the cache folder cannot be read.
 */
export async function readCached(
  dir: string,
  key: string,
  files: ScanFiles,
): Promise<PreparedScan | undefined> {
  let marker: { masks: string[]; affine: Affine };
  try {
    marker = JSON.parse(await readRegularTextFile(join(dir, `${key}.json`), 1 << 20, 'text'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(marker?.masks) || !Array.isArray(marker.affine)) return undefined;
  try {
    const image = (await readNifti(join(dir, `${key}.image.nii`))) as Volume<Float32Array>;
    const read = async (m: string) =>
      marker.masks.includes(m)
        ? ((await readNifti(join(dir, `${key}.${m}.nii`))) as Volume<Uint8Array>)
        : undefined;
    const lesion = await read('lesion');
    const lung = await read('lung');
    // NIfTI stores the affine in float32: the marker keeps the float64 one, so cached and fresh scans are identical
    const plain = <T extends Volume>(v: T) => createVolume(v.data, v.dims, marker.affine);
    return {
      id: files.id,
      label: files.label,
      image: plain(image) as Volume<Float32Array>,
      ...(lesion ? { lesion: plain(lesion) as Volume<Uint8Array> } : {}),
      ...(lung ? { lung: plain(lung) as Volume<Uint8Array> } : {}),
    };
  } catch (err) {
    if (
      err instanceof FormatError ||
      err instanceof RangeError ||
      (err as NodeJS.ErrnoException).code === 'ENOENT'
    )
      return undefined;
    throw err;
  }
}

/** Writes a scan to the cache (each file atomically, the marker last). */
export async function writeCached(dir: string, key: string, scan: PreparedScan): Promise<void> {
  await makeDirectory(dir);
  await writeNifti(join(dir, `${key}.image.nii`), scan.image);
  const masks: string[] = [];
  if (scan.lesion) {
    await writeNifti(join(dir, `${key}.lesion.nii`), scan.lesion);
    masks.push('lesion');
  }
  if (scan.lung) {
    await writeNifti(join(dir, `${key}.lung.nii`), scan.lung);
    masks.push('lung');
  }
  await writeFileAtomic(
    join(dir, `${key}.json`),
    JSON.stringify({ id: scan.id, masks, affine: scan.image.affine }),
  );
}
