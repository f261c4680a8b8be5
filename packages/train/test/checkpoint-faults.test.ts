/**
 * A write the system refuses in the middle of a checkpoint save (disk full, I/O error): the run
 * stops with RunWriteError naming the checkpoint, the previous checkpoint stays complete under
 * its name (put back if it had been moved aside), no temporary folder is left, the lock is
 * released, and the run resumes from it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_LOCK_FILE, RunWriteError, type SavePoint, train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
beforeAll(async () => {
  cohort = await tinyCohort();
});

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

const files = async (dir: string) => {
  const out: Record<string, string> = {};
  for (const n of await readdir(dir)) out[n] = (await readFile(join(dir, n))).toString('base64');
  return out;
};

describe('a refused write during a checkpoint save', () => {
  it.each(['written', 'moved-aside'] as SavePoint[])(
    'at %s: RunWriteError naming the checkpoint, the previous one intact, nothing left over',
    async (point) => {
      const out = join(cohort.dir, `run-fault-${point}`);
      const config = tinyConfig(cohort.manifest, out, {
        training: { epochs: 2, stepsPerEpoch: 3, validateEvery: 0, checkpointEvery: 1 },
      });
      const last = join(out, 'checkpoints', 'last');
      let saves = 0;
      let before: Record<string, string> | undefined;
      const err = await train(config, {
        progress: { style: 'off' },
        onSavePoint: async (p, dir) => {
          if (dir !== last) return;
          if (p === 'written' && ++saves === 2) before = await files(last);
          if (saves === 2 && p === point) throw enospc();
        },
      }).catch((e) => e);
      expect(err).toBeInstanceOf(RunWriteError);
      expect(err.code).toBe('ENOSPC');
      expect(err.message).toContain(`cannot write ${last}: ENOSPC`);
      expect(before).toBeDefined();
      expect(await files(last)).toEqual(before);
      expect((await readdir(join(out, 'checkpoints'))).filter((n) => n.startsWith('.'))).toEqual([]);
      expect(await readdir(out)).not.toContain(RUN_LOCK_FILE);
      const again = await train(config, { progress: { style: 'off' }, resume: 'auto' });
      again.network.model.dispose();
      expect([again.status, again.steps]).toEqual(['completed', 6]);
    },
  );
});
