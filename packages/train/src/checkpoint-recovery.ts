/**
 * Finishing or undoing checkpoint saves that a crash cut short, and finding the newest complete
 * checkpoint of a run.
 *
 * A save of `checkpoints/<name>` (see `saveCheckpoint`) writes `.<name>.tmp-PID`, moves the
 * previous `<name>` to `.<name>.old-PID`, renames the temporary folder to `<name>` and removes
 * the old one. Killed at any point, it leaves one of: an incomplete temporary folder (the
 * previous checkpoint in place); both aside folders and no `<name>` (between the renames); a
 * stale old folder beside the new checkpoint. {@link recoverCheckpoints} puts the newest
 * complete one in place and removes the rest, so the run folder holds no leftovers and no
 * complete checkpoint is ever lost.
 * @module
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CheckpointState, readCheckpointState } from './checkpoint.js';

const LEFTOVER = /^\.(.+)\.(tmp|old)-(\d+)$/;

/** A complete checkpoint's state, or undefined for a missing, incomplete or damaged folder. */
async function complete(dir: string): Promise<CheckpointState | undefined> {
  try {
    return (await readCheckpointState(dir)).state;
  } catch {
    return undefined;
  }
}

/**
 * Recovers the leftovers of interrupted saves in the checkpoints folder `ckDir` (missing: nothing
 * to do). For each checkpoint name with leftovers: when `<name>` is complete the leftovers go;
 * when it is missing, the complete leftover with the most steps (the temporary one on a tie: it
 * is the newer write) is renamed into place and the others go. The caller must hold the run
 * folder's lock (no save may be running).
 * @returns one line per action, for the log.
 */
export async function recoverCheckpoints(ckDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(ckDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const byName = new Map<string, { path: string; kind: string }[]>();
  for (const n of names) {
    const m = LEFTOVER.exec(n);
    if (!m) continue;
    const list = byName.get(m[1] as string) ?? [];
    list.push({ path: join(ckDir, n), kind: m[2] as string });
    byName.set(m[1] as string, list);
  }
  const actions: string[] = [];
  for (const [name, leftovers] of byName) {
    const target = join(ckDir, name);
    let picked: string | undefined;
    if (!names.includes(name)) {
      const candidates: { path: string; kind: string; step: number }[] = [];
      for (const l of leftovers) {
        const state = await complete(l.path);
        if (state) candidates.push({ ...l, step: state.step });
      }
      candidates.sort((a, b) => b.step - a.step || (a.kind === 'tmp' ? -1 : 1) - (b.kind === 'tmp' ? -1 : 1));
      const pick = candidates[0];
      if (pick) {
        await rename(pick.path, target);
        picked = pick.path;
        actions.push(`recovered ${target} (step ${pick.step}) from an interrupted save`);
      }
    }
    for (const l of leftovers) {
      if (l.path === picked) continue;
      await rm(l.path, { recursive: true, force: true });
      actions.push(`removed ${l.path}, left by an interrupted save`);
    }
  }
  return actions;
}

/**
 * The newest complete checkpoint of a checkpoints folder: the most steps among `last`,
 * `epoch-NNNN` and `best`, `last` first on a tie. Damaged ones are passed over and named.
 */
export async function newestCheckpoint(
  ckDir: string,
): Promise<{ dir: string; state: CheckpointState; damaged: string[] } | undefined> {
  let names: string[];
  try {
    names = await readdir(ckDir);
  } catch {
    return undefined;
  }
  const order = (n: string) => (n === 'last' ? 0 : n === 'best' ? 2 : 1);
  const candidates = names.filter((n) => n === 'last' || n === 'best' || /^epoch-\d+$/.test(n));
  let found: { dir: string; state: CheckpointState; rank: number } | undefined;
  const damaged: string[] = [];
  for (const n of candidates) {
    const dir = join(ckDir, n);
    const state = await complete(dir);
    if (!state) {
      damaged.push(dir);
      continue;
    }
    if (!found || state.step > found.state.step || (state.step === found.state.step && order(n) < found.rank))
      found = { dir, state, rank: order(n) };
  }
  return found ? { dir: found.dir, state: found.state, damaged } : undefined;
}
