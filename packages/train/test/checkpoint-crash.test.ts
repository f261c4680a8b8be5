/**
 * Crash injection for checkpoint saves: the run is "killed" at each point of a save that
 * replaces `checkpoints/last`, then `resume: 'auto'` must recover the newest complete
 * checkpoint, leave no leftovers, keep the earlier metrics lines, and finish with the weights
 * and the log of the uninterrupted run, bit for bit.
 *
 * At each point the run folder is copied as it stands (what a SIGKILL there would leave on
 * disk: every write before the point has returned), the copy's lock names a dead process; one
 * case kills a real child process with SIGKILL at the worst point (between the two renames).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_LOCK_FILE, type SavePoint, type TrainConfig, train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');

let cohort: { dir: string; manifest: string };
let reference: { model: string; optimizer: string; metrics: string };

const config = (out: string): TrainConfig => tinyConfig(cohort.manifest, out);

/** The final weights (their SHA-256: a deep equality of the buffers takes seconds) and log. */
const finalState = async (out: string) => {
  const hash = async (f: string) =>
    createHash('sha256')
      .update(await readFile(join(out, 'checkpoints', 'last', f)))
      .digest('hex');
  return {
    model: await hash('model.safetensors'),
    optimizer: await hash('optimizer.safetensors'),
    metrics: await readFile(join(out, 'metrics.jsonl'), 'utf8'),
  };
};

/** A PID no process has: a child that has exited. */
const deadPid = () =>
  new Promise<number>((res) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => res(c.pid as number));
  });

const POINTS: SavePoint[] = ['written', 'moved-aside', 'in-place', 'done'];
/** The save being crashed: the second of `last` (the end of epoch 2 replacing epoch 1's). */
const crashes = new Map<SavePoint, string>();

beforeAll(async () => {
  cohort = await tinyCohort();
  // an uninterrupted run (the reference), copied at each point of its second save of `last`
  const out = join(cohort.dir, 'run-crashing');
  let saves = 0;
  const pid = await deadPid();
  const run = await train(config(out), {
    progress: { style: 'off' },
    onSavePoint: async (point, dir) => {
      if (!dir.endsWith(`${join('checkpoints', 'last')}`)) return;
      if (point === 'written') saves++;
      if (saves !== 2) return;
      const copy = join(cohort.dir, `crash-${point}`);
      await cp(out, copy, { recursive: true });
      const lock = JSON.parse(await readFile(join(copy, RUN_LOCK_FILE), 'utf8'));
      await writeFile(join(copy, RUN_LOCK_FILE), JSON.stringify({ ...lock, pid }));
      crashes.set(point, copy);
    },
  });
  run.network.model.dispose();
  reference = await finalState(out);
  // every point of the save was reached, in order
  expect([...crashes.keys()]).toEqual(POINTS);
}, 60_000);

const leftovers = async (out: string) => [
  ...(await readdir(out)).filter((n) => n.startsWith('.') || n.includes('.tmp') || n === RUN_LOCK_FILE),
  ...(await readdir(join(out, 'checkpoints'))).filter((n) => n.startsWith('.')),
];

describe('a crash at each point of a checkpoint save, then --resume auto', () => {
  it.each([
    // [point, what the copy holds, the step resumed from]
    ['written', 'the new checkpoint complete in .last.tmp-PID, the old one in place', 3],
    ['moved-aside', 'no checkpoints/last: the old one in .last.old-PID, the new one in .last.tmp-PID', 6],
    ['in-place', 'the new checkpoint in place, the old one in .last.old-PID', 6],
    ['done', 'the new checkpoint alone', 6],
  ] as const)(
    '%s (%s): resumes from step %i and ends as the uninterrupted run',
    async (point, _holds, step) => {
      const out = crashes.get(point) as string;
      expect(out, `the save never reached '${point}'`).toBeDefined();
      const ck = await readdir(join(out, 'checkpoints'));
      if (point === 'moved-aside') expect(ck).not.toContain('last');
      if (point !== 'done') expect(ck.some((n) => n.startsWith('.last.'))).toBe(true);
      const metricsBefore = await readFile(join(out, 'metrics.jsonl'), 'utf8');
      const lines: string[] = [];
      const r = await train(config(out), {
        progress: { style: 'lines', stream: { write: (s: string) => lines.push(s) > 0 } },
        resume: 'auto',
      });
      r.network.model.dispose();
      expect(r.status).toBe('completed');
      expect(lines.join('')).toContain(`step ${step})`);
      expect(await finalState(out)).toEqual(reference);
      // the earlier lines are kept as they were (only those after the resumed step are redone)
      const kept = metricsBefore
        .split('\n')
        .filter((l) => l && JSON.parse(l).step <= step)
        .join('\n');
      expect(reference.metrics.startsWith(kept)).toBe(true);
      expect(await leftovers(out)).toEqual([]);
    },
  );

  it('a real SIGKILL between the two renames: resume auto recovers, takes over the stale lock, finishes', async () => {
    const out = join(cohort.dir, 'run-killed');
    const cfgPath = join(cohort.dir, 'killed-config.json');
    await writeFile(cfgPath, JSON.stringify(config(out)));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        join(here, 'support', 'crash-child.ts'),
        cfgPath,
        'last',
        '1',
        'moved-aside',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
    expect(signal, err).toBe('SIGKILL');
    expect(await readdir(out)).toContain(RUN_LOCK_FILE);
    expect(await readdir(join(out, 'checkpoints'))).not.toContain('last');
    const r = await train(config(out), { progress: { style: 'off' }, resume: 'auto' });
    r.network.model.dispose();
    expect(await finalState(out)).toEqual(reference);
    expect(await leftovers(out)).toEqual([]);
    await rm(out, { recursive: true, force: true });
  }, 60_000);
});
