/**
 * Which study a results folder holds: `study.json` pins the study's specification, its form
 * (`--quick` or not), the `--set` overrides and, for a study on a manifest of the user's, the
 * manifest's content hash. A start with the same pin resumes; a start with a study file that
 * extends the pinned one (new arms, a new name or descriptions, nothing else changed) resumes
 * too and re-pins; anything else is refused, since finished runs would no longer be comparable
 * with new ones.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@deepsc/io';
import { RunFolderConflictError } from '../run-folder.js';
import type { StudySpec } from './study-spec.js';

/** What `study.json` holds. */
export interface StudyPin {
  spec: StudySpec;
  quick: boolean;
  overrides: readonly string[];
  manifestSha256?: string;
}

/** How a study compares with the one a folder holds. */
export type PinComparison =
  | { kind: 'same' }
  /** The new study keeps every pinned run as it was and adds arms (or renames, redescribes). */
  | { kind: 'extends'; addedArms: string[] }
  /** Only the manifest's content changed. */
  | { kind: 'manifest-changed' }
  | { kind: 'differs'; reason: string };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const list = (v: readonly string[]) => `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;

/**
 * The fields of a study that decide what its runs are, besides the arms: every one must be
 * equal for a study to extend another. (`name`, `description` and the arms' descriptions only
 * label the tables.)
 */
const RUN_FIELDS = ['base', 'synthetic', 'seeds', 'resamples', 'quick', 'ceiling'] as const;

/**
 * Compares the study about to run (`now`) with the one pinned in a folder (`was`, as read from
 * its `study.json`; anything unreadable is "another study").
 */
export function comparePins(was: unknown, now: StudyPin): PinComparison {
  const w = (typeof was === 'object' && was !== null ? was : {}) as Partial<StudyPin>;
  if (same(w, now)) return { kind: 'same' };
  const pinned = w.spec;
  const what = pinned?.name
    ? `study "${pinned.name}"${w.quick ? ' (--quick)' : ''}${w.overrides?.length ? ` with --set ${w.overrides.join(' ')}` : ''}`
    : 'another study';
  const differs = (detail: string): PinComparison => ({
    kind: 'differs',
    reason: `holds ${what}, not this one (${detail}); use another --out`,
  });
  if (!pinned || !Array.isArray(pinned.arms)) return differs('the study file, --quick or --set differ');
  if (!same(w.quick ?? false, now.quick)) return differs('--quick differs');
  if (!same(w.overrides ?? [], now.overrides)) return differs('--set differs');
  for (const f of RUN_FIELDS)
    if (!same(pinned[f], now.spec[f])) return differs(`the study file's "${f}" differs`);
  for (const arm of pinned.arms) {
    const mine = now.spec.arms.find((a) => a.name === arm.name);
    if (!mine) return differs(`its arm "${arm.name}" is not in this study file`);
    if (!same(arm.set, mine.set))
      return differs(
        `its arm "${arm.name}" ran with ${list(arm.set)}, this study file gives ${list(mine.set)}`,
      );
    if (!same(arm.model ?? null, mine.model ?? null))
      return differs(
        `its arm "${arm.name}" ran with the model section ${JSON.stringify(arm.model ?? null)}, this study file gives ${JSON.stringify(mine.model ?? null)}`,
      );
  }
  if (!same(w.manifestSha256, now.manifestSha256)) return { kind: 'manifest-changed' };
  return {
    kind: 'extends',
    addedArms: now.spec.arms.filter((a) => !pinned.arms.some((p) => p.name === a.name)).map((a) => a.name),
  };
}

/** The sha256 of a manifest's bytes; undefined when it cannot be read (the trainer names that problem). */
export async function manifestHash(manifest: string | undefined): Promise<string | undefined> {
  if (!manifest) return undefined;
  return readFile(manifest).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    () => undefined,
  );
}

/**
 * Pins `now` in `<out>/study.json`, or checks it against the pin there: the same study resumes;
 * a study that extends the pinned one is re-pinned (its new arms are returned); anything else
 * is refused.
 * @param manifest - the user's manifest (studies without a synthetic cohort), named in the refusal.
 * @returns the arms the study adds to the pinned one (empty when it is the same or new).
 * @throws RunFolderConflictError when the folder holds another study, another form of it, or
 *   the same study on another version of its manifest.
 */
export async function claimStudyFolder(out: string, now: StudyPin, manifest?: string): Promise<string[]> {
  const path = join(out, 'study.json');
  const text = `${JSON.stringify(now, null, 1)}\n`;
  let was: string | undefined;
  try {
    was = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (was === undefined) {
    await writeFileAtomic(path, text);
    return [];
  }
  if (was === text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(was);
  } catch {
    // an unreadable study.json is still not this study
  }
  const c = comparePins(parsed, now);
  switch (c.kind) {
    case 'same':
      return [];
    case 'extends':
      await writeFileAtomic(path, text);
      return c.addedArms;
    case 'manifest-changed':
      throw new RunFolderConflictError(
        out,
        `its runs used another version of ${manifest} (the file's content changed since the study started); use another --out, or restore the manifest`,
      );
    case 'differs':
      throw new RunFolderConflictError(out, c.reason);
  }
}
