/**
 * The dataset manifest: which scans exist, where their image and masks are, and their labels.
 *
 * JSON: `{ "version": 1, "scans": [ { "id", "image", "lesion"?, "lung"?, "label", ... } ] }` (or
 * the bare array). CSV: a header row naming at least `id`, `image` and `label` (optionally
 * `lesion`, `lung`; other columns are kept as text in `extra`). Paths are relative to the
 * manifest's folder (or absolute). Labels: `covid`, `cap`, `normal`.
 * @module
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { fileKind, NotRegularFileError, readRegularTextFile } from '../fs/regular-file.js';
import { SCAN_LABELS, type ScanLabel } from '../labels.js';
import { parseCsv } from './csv.js';

/** A manifest that does not parse or validate. The message names the source, the row (1-based) and the field. */
export class ManifestError extends Error {
  /**
   * @param source - the manifest file (or a description).
   * @param row - 1-based row (CSV data row or JSON array element), 0 for the whole file.
   * @param field - the offending field, or '' for the whole row/file.
   */
  constructor(
    readonly source: string,
    readonly row: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

const path = z.string().trim().min(1, 'must be a non-empty path');
/** The zod schema of one manifest row. */
export const manifestEntrySchema = z.object({
  id: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .regex(
      /^[A-Za-z0-9._-]+$/,
      'may hold only letters, digits, dot, underscore and hyphen (it names cache files)',
    ),
  image: path,
  lesion: path.optional(),
  lung: path.optional(),
  label: z.enum(SCAN_LABELS as [ScanLabel, ...ScanLabel[]], {
    error: (iss) => `must be one of ${SCAN_LABELS.join(', ')}, got ${JSON.stringify(iss.input)}`,
  }),
  params: z.unknown().optional(),
  extra: z.record(z.string(), z.string()).optional(),
});

/** One validated manifest row; paths as written. */
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/** A manifest read from disk: rows with absolute paths. */
export interface Manifest {
  readonly source: string;
  readonly entries: readonly ManifestEntry[];
}

function rowError(source: string, row: number, id: unknown, issue: z.core.$ZodIssue): ManifestError {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '';
  const who = typeof id === 'string' && id.trim() !== '' ? ` (id '${id}')` : '';
  const what =
    issue.code === 'invalid_type' && issue.message.includes('undefined') ? 'is missing' : issue.message;
  return new ManifestError(source, row, field, `${source} row ${row}${who}, field '${field}': ${what}`);
}

/** Validates raw rows (objects) and checks ids are unique. @throws ManifestError for the first bad row. */
export function validateManifestRows(rows: readonly unknown[], source: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  rows.forEach((raw, i) => {
    const row = i + 1;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ManifestError(
        source,
        row,
        '',
        `${source} row ${row}: expected an object with id, image and label, got ${Array.isArray(raw) ? 'an array' : typeof raw}`,
      );
    }
    const r = manifestEntrySchema.safeParse(raw);
    if (!r.success)
      throw rowError(source, row, (raw as { id?: unknown }).id, r.error.issues[0] as z.core.$ZodIssue);
    const prev = seen.get(r.data.id);
    if (prev !== undefined)
      throw new ManifestError(
        source,
        row,
        'id',
        `${source} row ${row} (id '${r.data.id}'), field 'id': duplicates row ${prev}`,
      );
    seen.set(r.data.id, row);
    out.push(r.data);
  });
  if (out.length === 0) throw new ManifestError(source, 0, '', `${source}: the manifest lists no scans`);
  return out;
}

/** Parses manifest JSON text. @throws ManifestError for bad JSON, a bad shape or a bad row. */
export function parseManifestJson(text: string, source = 'manifest.json'): ManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(source, 0, '', `${source}: not valid JSON (${(err as Error).message})`);
  }
  const rows = Array.isArray(doc) ? doc : (doc as { scans?: unknown } | null)?.scans;
  if (!Array.isArray(rows))
    throw new ManifestError(
      source,
      0,
      'scans',
      `${source}: expected an array of scans or an object with a "scans" array`,
    );
  const version = Array.isArray(doc) ? 1 : (doc as { version?: unknown }).version;
  if (version !== undefined && version !== 1)
    throw new ManifestError(
      source,
      0,
      'version',
      `${source}: manifest version ${JSON.stringify(version)} is not supported (this reader knows version 1)`,
    );
  return validateManifestRows(rows, source);
}

/** Parses manifest CSV text. @throws ManifestError for a missing column, a short row or a bad value. */
export function parseManifestCsv(text: string, source = 'manifest.csv'): ManifestEntry[] {
  let rows: { line: number; fields: string[] }[];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw new ManifestError(source, 0, '', `${source}: ${(err as Error).message}`);
  }
  const header = rows.shift();
  if (!header)
    throw new ManifestError(
      source,
      0,
      '',
      `${source}: empty file (expected a header row with id, image, label)`,
    );
  const cols = header.fields.map((h) => h.trim());
  for (const need of ['id', 'image', 'label']) {
    if (!cols.includes(need))
      throw new ManifestError(
        source,
        0,
        need,
        `${source}: the header has no '${need}' column (found: ${cols.join(', ')})`,
      );
  }
  const known = new Set(['id', 'image', 'lesion', 'lung', 'label']);
  const objects = rows.map((r, i) => {
    if (r.fields.length !== cols.length) {
      throw new ManifestError(
        source,
        i + 1,
        '',
        `${source} row ${i + 1} (line ${r.line}): ${r.fields.length} fields, the header has ${cols.length}`,
      );
    }
    const o: Record<string, unknown> = {};
    const extra: Record<string, string> = {};
    cols.forEach((c, q) => {
      const v = r.fields[q] as string;
      if (known.has(c)) {
        // an empty optional mask cell means "no mask"
        if (!((c === 'lesion' || c === 'lung') && v.trim() === '')) o[c] = v;
      } else extra[c] = v;
    });
    if (Object.keys(extra).length > 0) o.extra = extra;
    return o;
  });
  return validateManifestRows(objects, source);
}

/** The largest manifest file read: 64 MiB (a million rows of paths). */
export const MAX_MANIFEST_BYTES = 64 << 20;

/**
 * Reads a manifest file (`.json` or `.csv`) and resolves its paths against the file's folder.
 * Only a regular file of at most {@link MAX_MANIFEST_BYTES} is read (a pipe or device is
 * refused before reading).
 *
 * @param file - the manifest path.
 * @param options - `checkFiles` (default true): every referenced file must exist and be a
 *   regular file (after following symlinks; a pipe, device or folder is refused by row).
 * @throws ManifestError for an unknown extension, invalid content, a manifest or listed file
 * that is missing or not a regular file (naming the row and field); the fs error when the
 * manifest cannot be opened (ENOENT, EACCES) or read.
 */
export async function readManifest(file: string, options: { checkFiles?: boolean } = {}): Promise<Manifest> {
  let text: string;
  try {
    text = await readRegularTextFile(file, MAX_MANIFEST_BYTES, 'text');
  } catch (err) {
    if (err instanceof NotRegularFileError || err instanceof RangeError)
      throw new ManifestError(file, 0, '', err.message);
    throw err;
  }
  const lower = file.toLowerCase();
  const raw = lower.endsWith('.json')
    ? parseManifestJson(text, file)
    : lower.endsWith('.csv')
      ? parseManifestCsv(text, file)
      : undefined;
  if (!raw) throw new ManifestError(file, 0, '', `${file}: a manifest must end in .json or .csv`);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const entries = raw.map((e) => ({
    ...e,
    image: abs(e.image),
    ...(e.lesion !== undefined ? { lesion: abs(e.lesion) } : {}),
    ...(e.lung !== undefined ? { lung: abs(e.lung) } : {}),
  }));
  if (options.checkFiles ?? true) {
    for (const [i, e] of entries.entries()) {
      for (const field of ['image', 'lesion', 'lung'] as const) {
        const p = e[field];
        if (p === undefined) continue;
        const where = `${file} row ${i + 1} (id '${e.id}'), field '${field}'`;
        const info = await stat(p).catch(() => undefined);
        if (!info) throw new ManifestError(file, i + 1, field, `${where}: file not found: ${p}`);
        if (!info.isFile())
          throw new ManifestError(
            file,
            i + 1,
            field,
            `${where}: ${p} is ${fileKind(info)}, not a regular file`,
          );
      }
    }
  }
  return { source: file, entries };
}
