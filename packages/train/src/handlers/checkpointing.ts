/**
 * The checkpoint handler: the run folder's `checkpoints/` (`last`, `best`, `epoch-NNNN`). At the
 * end of an epoch it saves `last` every `training.checkpointEvery` epochs, after the last epoch
 * and on an early stop (reason `final` then, else `periodic`), and beside a periodic `last` an
 * `epoch-NNNN` copy, keeping the newest `training.keepCheckpoints` of those. An interrupt saves
 * `last` (reason `interrupt`) through {@link CheckpointHandler.save}.
 * @module
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointReason } from '../checkpoint.js';

export class CheckpointHandler {
  /** The `last` checkpoint (written by this run or the one it resumes). */
  readonly last: string;
  #best: string | undefined;

  /**
   * @param dir - the run's `checkpoints` folder.
   * @param write - writes the checkpoint `dir/name` of the training state as it is now.
   * @param hasBest - whether a `best` checkpoint exists already (a resumed run with a best).
   */
  constructor(
    readonly dir: string,
    private readonly write: (path: string, reason: CheckpointReason) => Promise<void>,
    private readonly policy: { every: number; keep: number; epochs: number },
    hasBest: boolean,
  ) {
    this.last = join(dir, 'last');
    this.#best = hasBest ? join(dir, 'best') : undefined;
  }

  /** The `best` checkpoint, once there is one. */
  get best(): string | undefined {
    return this.#best;
  }

  /** Saves `name` (default `last`). */
  async save(reason: CheckpointReason, name = 'last'): Promise<void> {
    await this.write(join(this.dir, name), reason);
    if (name === 'best') this.#best = join(this.dir, 'best');
  }

  /** The checkpoints due after `epoch` epochs are complete; `stop`: training stops early here. */
  async epochCompleted(epoch: number, stop: boolean): Promise<void> {
    const { every, keep, epochs } = this.policy;
    if (epoch % every !== 0 && epoch !== epochs && !stop) return;
    await this.save(epoch === epochs || stop ? 'final' : 'periodic');
    if (epoch < epochs && !stop) {
      await this.save('periodic', `epoch-${String(epoch).padStart(4, '0')}`);
      await prune(this.dir, keep);
    }
  }
}

/** Removes periodic `epoch-NNNN` checkpoints beyond the newest `keep`. */
export async function prune(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((n) => /^epoch-\d+$/.test(n)).sort();
  for (const n of names.slice(0, Math.max(0, names.length - keep)))
    await rm(join(dir, n), { recursive: true, force: true });
}
