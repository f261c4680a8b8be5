/**
 * Two `deepsc train` processes started together on one run folder (issue 11: both used to
 * succeed and leave a mix): exactly one runs, the other exits 2 at once naming the first's PID;
 * the one running is then interrupted (Ctrl-C: checkpoint, exit 130) and the folder holds its run
 * alone, unlocked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCohort } from '@deepsc/io';
import { expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Child {
  proc: ChildProcess;
  err: string;
  exit: Promise<number | null>;
}

/** `deepsc <args>` as a process (from the repository root, where tsx resolves). */
function deepsc(args: string[]): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(repoRoot, 'packages/cli/src/bin.ts'), ...args],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const c: Child = { proc, err: '', exit: new Promise((res) => proc.on('exit', (code) => res(code))) };
  proc.stderr?.on('data', (d) => {
    c.err += String(d);
  });
  return c;
}

it('two train commands on one folder: one runs, the other exits 2 naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deepsc-concurrent-'));
  const cohort = await generateCohort({
    out: join(dir, 'cohort'),
    n: 6,
    seed: 1,
    inPlane: 32,
    slices: [20, 24],
    workers: 0,
  });
  await writeFile(
    join(dir, 't.json'),
    JSON.stringify({
      seed: 2,
      out: 'run',
      model: { preset: 'tiny' },
      data: { manifest: cohort.manifestJson, workers: 0, split: { train: 0.67, val: 0.33, test: 0 } },
      // long enough to still run when the other gives up
      training: { epochs: 100000, stepsPerEpoch: 3, validateEvery: 0 },
    }),
  );
  const args = ['train', '--config', join(dir, 't.json'), '--progress', 'lines'];
  const both = [deepsc(args), deepsc(args)];
  const first = await Promise.race(both.map((c) => c.exit.then(() => c)));
  const other = both.find((c) => c !== first) as Child;
  expect(await first.exit, first.err).toBe(2);
  expect(first.err).toMatch(
    new RegExp(`run folder .*run is in use: locked by deepsc train \\(PID ${other.proc.pid} on `),
  );
  // the runner is training: stop it as a user would
  other.proc.kill('SIGINT');
  expect(await other.exit, other.err).toBe(130);
  const runFolder = join(dir, 'run');
  // one run's files (metrics.jsonl once an epoch has ended), no lock left
  const files = (await readdir(runFolder)).filter((n) => n !== 'metrics.jsonl').sort();
  expect(files).toEqual(['cache', 'checkpoints', 'run.json', 'split.json']);
  const state = JSON.parse(await readFile(join(runFolder, 'checkpoints', 'last', 'state.json'), 'utf8'));
  expect(state.reason).toBe('interrupt');
}, 120_000);
