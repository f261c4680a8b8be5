import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointHandler } from '../../src/handlers/checkpointing.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deepsc-ckpt-handler-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A handler whose writes make an empty folder and are recorded as `name:reason`. */
async function handler(every: number, keep: number, epochs: number, hasBest = false) {
  const dir = await mkdtemp(join(root, 'run-'));
  const writes: string[] = [];
  const h = new CheckpointHandler(
    dir,
    async (path, reason) => {
      await mkdir(path, { recursive: true });
      writes.push(`${path.slice(dir.length + 1)}:${reason}`);
    },
    { every, keep, epochs },
    hasBest,
  );
  return { dir, h, writes };
}

describe('CheckpointHandler', () => {
  it.each([
    [
      'every epoch, keeping 2',
      1,
      2,
      4,
      [
        'last:periodic',
        'epoch-0001:periodic',
        'last:periodic',
        'epoch-0002:periodic',
        'last:periodic',
        'epoch-0003:periodic',
        'last:final',
      ],
      ['epoch-0002', 'epoch-0003', 'last'],
    ],
    [
      'every 2 epochs of 5',
      2,
      1,
      5,
      ['last:periodic', 'epoch-0002:periodic', 'last:periodic', 'epoch-0004:periodic', 'last:final'],
      ['epoch-0004', 'last'],
    ],
    ['every 10 epochs of 3: only the final', 10, 2, 3, ['last:final'], ['last']],
  ])('%s', async (_, every, keep, epochs, writes, left) => {
    const r = await handler(every, keep, epochs);
    for (let e = 1; e <= epochs; e++) await r.h.epochCompleted(e, false);
    expect(r.writes).toEqual(writes);
    expect((await readdir(r.dir)).sort()).toEqual(left);
    expect(r.h.last).toBe(join(r.dir, 'last'));
  });

  it('an early stop saves the final last and no epoch copy', async () => {
    const r = await handler(5, 2, 10);
    await r.h.epochCompleted(3, true);
    expect(r.writes).toEqual(['last:final']);
  });

  it('best: absent until saved, or known from a resume', async () => {
    const fresh = await handler(1, 1, 2);
    expect(fresh.h.best).toBeUndefined();
    await fresh.h.save('best', 'best');
    expect(fresh.h.best).toBe(join(fresh.dir, 'best'));
    expect(fresh.writes).toEqual(['best:best']);
    expect((await handler(1, 1, 2, true)).h.best).toMatch(/best$/);
  });

  it('an interrupt saves last', async () => {
    const r = await handler(1, 1, 2);
    await r.h.save('interrupt');
    expect(r.writes).toEqual(['last:interrupt']);
  });

  it('a failed write propagates', async () => {
    const h = new CheckpointHandler(
      root,
      async () => {
        throw new Error('disk full');
      },
      { every: 1, keep: 1, epochs: 2 },
      false,
    );
    await expect(h.epochCompleted(1, false)).rejects.toThrow('disk full');
  });
});
