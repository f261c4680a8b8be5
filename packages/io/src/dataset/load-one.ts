/**
 * Loading one scan through the cache: the unit of work of the loader (in a worker or in-process).
 * @module
 */
import type { Volume } from '../volume.js';
import { type PreparedScan, type PreprocessOptions, prepareScan, type ScanFiles } from './prepare.js';
import { cacheKey, FileHasher, readCached, writeCached } from './scan-cache.js';
import { describeScanFailure, type ScanFailure } from './scan-failure.js';

/** A request to load one scan. */
export interface LoadRequest {
  readonly req: number;
  readonly files: ScanFiles;
  readonly options: PreprocessOptions;
  readonly cacheDir?: string;
}

/** The answer. */
export type LoadReply =
  | { readonly req: number; readonly ok: true; readonly scan: PreparedScan; readonly cacheHit: boolean }
  | { readonly req: number; readonly ok: false; readonly error: ScanFailure };

const hasher = new FileHasher();

/** Loads one scan: from the cache when an entry for its content and options exists, else preprocessed (and cached). */
export async function loadOne(r: LoadRequest): Promise<LoadReply> {
  try {
    if (r.cacheDir) {
      const key = cacheKey(r.files, await hasher.hashes(r.files), r.options);
      const hit = await readCached(r.cacheDir, key, r.files);
      if (hit) return { req: r.req, ok: true, scan: hit, cacheHit: true };
      const scan = plainScan(await prepareScan(r.files, r.options));
      await writeCached(r.cacheDir, key, scan);
      return { req: r.req, ok: true, scan, cacheHit: false };
    }
    return { req: r.req, ok: true, scan: plainScan(await prepareScan(r.files, r.options)), cacheHit: false };
  } catch (err) {
    return { req: r.req, ok: false, error: describeScanFailure(r.files.id, err) };
  }
}

/** Strips reader extras (headers, warnings) so only the volume crosses the thread boundary. */
function plainScan(s: PreparedScan): PreparedScan {
  const p = <T extends Volume>(v: T) =>
    ({ data: v.data, dims: v.dims, affine: v.affine, spacing: v.spacing }) as unknown as T;
  return {
    id: s.id,
    label: s.label,
    image: p(s.image),
    ...(s.lesion ? { lesion: p(s.lesion) } : {}),
    ...(s.lung ? { lung: p(s.lung) } : {}),
  };
}
