/**
 * Getting a run folder ready for a run, under its lock (`run-lock.ts`): a new run starts only in
 * an empty folder (or one cleared with `overwrite`); a resume first recovers what interrupted
 * saves left (`checkpoint-recovery.ts`) and, for `auto`, continues from the newest complete
 * checkpoint; the partial files a killed process left are removed.
 * @module
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ATOMIC_TEMPORARY, removeStaleAtomicTemporaries } from '@deepsc/io';
import { readCheckpointState } from './checkpoint.js';
import { newestCheckpoint, recoverCheckpoints } from './checkpoint-recovery.js';
import { RUN_LOCK_FILE } from './run-lock.js';

/** A run folder that cannot be used as asked (the message says what to pass instead). Exit code 2. */
export class RunFolderConflictError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(`run folder ${dir}: ${message}`);
    this.name = 'RunFolderConflictError';
  }
}

/**
 * Checks that `dir` can be a run folder: a folder, or nothing yet (a file there, or a file as
 * one of its parents, is refused before anything is written).
 * @throws RunFolderConflictError naming the path.
 */
export async function checkRunFolderPath(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory())
      throw new RunFolderConflictError(
        dir,
        'is a file, not a folder: give a new or empty folder for the run',
      );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR')
      throw new RunFolderConflictError(
        dir,
        'a parent of it is a file, not a folder: give a folder for the run',
      );
    if (code !== 'ENOENT') throw err;
  }
}

/** How a run starts in its folder. */
export interface RunFolderOptions {
  /** A checkpoint folder, or `auto` for the folder's newest complete checkpoint (none: a fresh start). */
  resume?: string;
  /** Empty the folder first (everything but the lock); refused when it holds anything a run does not write ({@link RUN_FILES}). */
  overwrite?: boolean;
}

/** Files and folders a run writes into its folder (what a fresh start after `resume: 'auto'` may find and replace). */
export const RUN_FILES: readonly string[] = [
  'run.json',
  'split.json',
  'metrics.jsonl',
  'checkpoints',
  'cache',
  'predictions.json',
  'scans',
  'report.html',
];

/** Whether `name` is something a run writes into its folder, or a killed atomic write of one. */
const isRunEntry = (name: string) =>
  RUN_FILES.includes(name) || RUN_FILES.includes(ATOMIC_TEMPORARY.exec(name)?.[1] ?? '');

const isLockFile = (name: string) => name === RUN_LOCK_FILE || name.startsWith(`${RUN_LOCK_FILE}.`);

/** The entries of run folder `dir` other than its lock (none when it does not exist). */
export async function runFolderEntries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !isLockFile(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Removes the temporary files of atomic writes killed mid-write (`@deepsc/io`
 * `removeStaleAtomicTemporaries`: those whose process is gone) in `dir` and every folder below.
 * @returns how many.
 */
async function removePartialFiles(dir: string): Promise<number> {
  let n = (await removeStaleAtomicTemporaries(dir)).length;
  for (const e of await readdir(dir, { withFileTypes: true }))
    if (e.isDirectory()) n += await removePartialFiles(join(dir, e.name));
  return n;
}

/**
 * Prepares run folder `out` (whose lock the caller holds) as `options` say.
 * @returns the checkpoint to resume from (none: start at epoch 0) and one line per thing done.
 * @throws RunFolderConflictError for a new run into a non-empty folder, `overwrite` with `resume`, or
 *   `resume: 'auto'` over a folder whose checkpoints are all damaged or that holds files of
 *   something other than a run.
 */
export async function prepareRunFolder(
  out: string,
  options: RunFolderOptions,
): Promise<{ resume?: string; notes: string[] }> {
  if (options.overwrite && options.resume)
    throw new RunFolderConflictError(
      out,
      'overwrite and resume exclude each other: resume continues the run in the folder, overwrite replaces it',
    );
  const notes: string[] = [];
  const ckDir = join(out, 'checkpoints');
  if (options.overwrite) {
    const found = await runFolderEntries(out);
    // only what a run writes is cleared: --overwrite on a folder of data (the cohort, the
    // working directory) must not delete it
    const foreign = found.filter((e) => !isRunEntry(e));
    if (foreign.length)
      throw new RunFolderConflictError(
        out,
        `holds ${listed(foreign)}, which no deepsc run writes: --overwrite clears only a run folder; give another out folder, or move those away first`,
      );
    for (const e of found) await rm(join(out, e), { recursive: true, force: true });
    if (found.length) notes.push(`cleared ${out} (${found.length} entries) for a new run (overwrite)`);
    return { notes };
  }
  if (!options.resume) {
    const present = await runFolderEntries(out);
    if (present.length)
      throw new RunFolderConflictError(
        out,
        `holds ${listed(present)} (a previous run?); continue it with --resume auto, or replace it with --overwrite`,
      );
    return { notes };
  }
  notes.push(...(await recoverCheckpoints(ckDir)));
  const partial = await removePartialFiles(out);
  if (partial) notes.push(`removed ${partial} partial file(s) left by a killed write`);
  if (options.resume !== 'auto') {
    // a checkpoint of another run may not continue into this folder's run: one is this run's
    // when it lies in this folder (which may have been moved) or records this folder (a copy
    // kept elsewhere); a damaged one is left for the resume to report
    const path = resolve(options.resume);
    const inside = path.startsWith(`${resolve(ckDir)}${sep}`);
    const from = inside
      ? undefined
      : await readCheckpointState(options.resume).then(
          (r) => r.state.config.out,
          () => undefined,
        );
    const holding = (await runFolderEntries(out)).filter((e) => e !== 'cache');
    if (from !== undefined && resolve(from) !== resolve(out) && holding.length)
      throw new RunFolderConflictError(
        out,
        `holds ${listed(holding)} of a run, and ${options.resume} is a checkpoint of the run in ${from}: resume a run in its own folder, or start from that checkpoint in an empty one`,
      );
    return { resume: options.resume, notes };
  }
  const newest = await newestCheckpoint(ckDir);
  if (newest) {
    for (const d of newest.damaged) notes.push(`passed over ${d}: not a complete checkpoint`);
    notes.push(`resuming from ${newest.dir} (epoch ${newest.state.epoch + 1}, step ${newest.state.step})`);
    return { resume: newest.dir, notes };
  }
  const present = await runFolderEntries(out);
  const foreign = present.filter((e) => !RUN_FILES.includes(e));
  if (foreign.length)
    throw new RunFolderConflictError(
      out,
      `holds ${listed(foreign)}, which no deepsc run writes, and no checkpoint to resume; give another out folder, or --overwrite to clear it`,
    );
  const damaged = (await runFolderEntries(ckDir)).filter(
    (n) => n === 'last' || n === 'best' || /^epoch-\d+$/.test(n),
  );
  if (damaged.length)
    throw new RunFolderConflictError(
      out,
      `no complete checkpoint to resume: ${listed(damaged.map((d) => join('checkpoints', d)))} ${damaged.length > 1 ? 'are' : 'is'} damaged (resume from one by name to see why, or --overwrite to start again)`,
    );
  for (const e of present) if (e !== 'cache') await rm(join(out, e), { recursive: true, force: true });
  notes.push(`no checkpoint in ${ckDir}: starting from epoch 0`);
  return { notes };
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 4).join(', ');
  return names.length > 4 ? `${shown} and ${names.length - 4} more` : shown;
}
