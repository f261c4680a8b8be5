/**
 * The bad-input table of `deepsc train` and `deepsc demo` (issue 11): run folders (lock,
 * non-empty folder, recovery), damaged checkpoints and state, a changed manifest, a diverging
 * run, caps on numbers and prototype keys. Each row: the command, the exit code, a fragment of
 * the message, and the sandbox check (nothing outside the outputs changed, no partial file).
 */

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { generateCohort } from '@deepsc/io';
import { RUN_LOCK_FILE } from '@deepsc/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BadInputRow, checkBadInputRow } from './support/bad-input.js';
import { runCli } from './support/run-cli.js';

/** The shared cohort and a run of one epoch on it (checkpoints to copy into sandboxes). */
let fixture: { manifest: string; run: string };
let deadPid: number;

/** The tiny run's config, writing to `<sandbox>/run`. */
const trainConfig = (extra: Record<string, unknown> = {}) => ({
  seed: 2,
  out: 'run',
  model: { preset: 'tiny' },
  data: { manifest: fixture.manifest, workers: 0, split: { train: 0.67, val: 0.33, test: 0 } },
  training: { epochs: 1, stepsPerEpoch: 2, validateEvery: 0 },
  ...extra,
});

const writeConfig = (dir: string, extra: Record<string, unknown> = {}) =>
  writeFile(join(dir, 't.json'), JSON.stringify(trainConfig(extra)));

/** The fixture's run folder copied into the sandbox as `run/`. */
const copyRun = async (dir: string) => {
  await writeConfig(dir);
  await cp(fixture.run, join(dir, 'run'), { recursive: true });
};

const lockAs = (dir: string, holder: Record<string, unknown>) =>
  writeFile(
    join(dir, 'run', RUN_LOCK_FILE),
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      command: 'deepsc train',
      startedAt: new Date().toISOString(),
      token: 'test',
      ...holder,
    }),
  );

const editState = async (ck: string, edit: (s: Record<string, unknown>) => void) => {
  const p = join(ck, 'state.json');
  const s = JSON.parse(await readFile(p, 'utf8'));
  edit(s);
  await writeFile(p, JSON.stringify(s));
};

/** The fixture run, resumed with a manifest of the same scans written differently (beside the cohort's). */
const changedManifest = async (d: string) => {
  await copyRun(d);
  const other = join(dirname(fixture.manifest), `manifest-${basename(d)}.json`);
  await writeFile(other, JSON.stringify(JSON.parse(await readFile(fixture.manifest, 'utf8')), null, 2));
  await writeConfig(d, { data: { ...trainConfig().data, manifest: other } });
};

const train = (...extra: string[]) => ['train', '--config', '{dir}/t.json', '--progress', 'off', ...extra];
const LAST = join('run', 'checkpoints', 'last');

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'deepsc-bad-train-'));
  const cohort = await generateCohort({
    out: join(root, 'cohort'),
    n: 6,
    seed: 1,
    inPlane: 32,
    slices: [20, 24],
    workers: 0,
  });
  fixture = { manifest: cohort.manifestJson, run: join(root, 'run') };
  await writeFile(join(root, 't.json'), JSON.stringify(trainConfig()));
  const r = await runCli('train', '--config', join(root, 't.json'), '--progress', 'off');
  expect(r.code, r.err).toBe(0);
  deadPid = await new Promise<number>((res) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => res(c.pid as number));
  });
}, 60_000);

const rows: BadInputRow[] = [
  // run folders
  {
    name: 'a new run into a folder holding a previous run',
    setup: copyRun,
    args: train(),
    code: 2,
    message:
      /run folder .*run: holds .*checkpoints.*continue it with --resume auto, or replace it with --overwrite/,
  },
  {
    name: '--overwrite on a folder of data (was emptied: a cohort, the working directory)',
    setup: async (d) => {
      await writeConfig(d);
      await mkdir(join(d, 'run', 'images'), { recursive: true });
      await writeFile(join(d, 'run', 'images', 'a.nii.gz'), 'scan');
      await writeFile(join(d, 'run', 'manifest.json'), '{}');
    },
    args: train('--overwrite'),
    code: 2,
    message:
      /run folder .*run: holds images, manifest\.json, which no deepsc run writes: --overwrite clears only a run folder/,
  },
  {
    name: '--overwrite on a run folder holding one foreign file clears nothing',
    setup: async (d) => {
      await copyRun(d);
      await writeFile(join(d, 'run', 'notes.txt'), 'mine');
    },
    args: train('--overwrite'),
    code: 2,
    message: /holds notes\.txt, which no deepsc run writes/,
  },
  {
    name: 'out is a file',
    setup: async (d) => {
      await writeConfig(d);
      await writeFile(join(d, 'run'), 'a file');
    },
    args: train(),
    code: 2,
    message: /run folder .*run: is a file, not a folder/,
  },
  {
    name: 'a parent of out is a file',
    setup: async (d) => {
      await writeConfig(d, { out: 'file/run' });
      await writeFile(join(d, 'file'), 'a file');
    },
    args: train(),
    code: 2,
    message: /run folder .*file\/run: a parent of it is a file/,
  },
  {
    name: '--overwrite with --resume',
    setup: copyRun,
    args: train('--overwrite', '--resume', 'auto'),
    code: 2,
    message: '--overwrite and --resume exclude each other',
  },
  {
    name: '--force without --resume',
    setup: writeConfig,
    args: train('--force'),
    code: 2,
    message: '--force only applies to --resume',
  },
  {
    name: 'a run folder locked by a live process',
    setup: async (d) => {
      await copyRun(d);
      await lockAs(d, {});
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: `is in use: locked by deepsc train (PID ${process.pid} on ${hostname()}`,
  },
  {
    name: 'a FIFO in place of the lock file (was a hang)',
    setup: async (d) => {
      await copyRun(d);
      execFileSync('mkfifo', [join(d, 'run', RUN_LOCK_FILE)]);
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: /deepsc\.lock is not a lock this deepsc wrote; remove it if no command is writing the folder/,
    subprocess: true,
    timeoutMs: 45_000,
  },
  {
    name: 'a FIFO in place of metrics.jsonl on resume (was a hang)',
    setup: async (d) => {
      await copyRun(d);
      await rm(join(d, 'run', 'metrics.jsonl'), { force: true });
      execFileSync('mkfifo', [join(d, 'run', 'metrics.jsonl')]);
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: /run folder .*run: .*metrics\.jsonl: is a pipe \(FIFO\), not a regular file/,
    subprocess: true,
    timeoutMs: 45_000,
  },
  {
    name: 'a run folder locked from another host',
    setup: async (d) => {
      await copyRun(d);
      await lockAs(d, { host: 'elsewhere.example' });
    },
    args: train('--resume', 'auto'),
    code: 2,
    message:
      /locked by deepsc train \(PID \d+ on elsewhere\.example.*if that process is gone, remove .*deepsc\.lock/,
  },
  {
    name: 'a lock file deepsc did not write',
    setup: async (d) => {
      await copyRun(d);
      await writeFile(join(d, 'run', RUN_LOCK_FILE), 'mine');
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: 'is not a lock this deepsc wrote',
  },
  {
    name: 'a stale lock (its process is gone) is taken over and the run overwritten',
    setup: async (d) => {
      await copyRun(d);
      await lockAs(d, { pid: deadPid });
    },
    args: train('--overwrite'),
    code: 0,
    outputs: ['run'],
    after: async (_r, d) => {
      expect(await readdir(join(d, 'run'))).not.toContain(RUN_LOCK_FILE);
      const s = JSON.parse(await readFile(join(d, LAST, 'state.json'), 'utf8'));
      expect(s.step).toBe(2);
    },
  },
  {
    name: "another run's checkpoint into a folder holding a run",
    setup: async (d) => {
      await copyRun(d);
      await cp(fixture.run, join(d, 'other'), { recursive: true });
      await editState(join(d, 'other', 'checkpoints', 'last'), (s) => {
        (s.config as Record<string, unknown>).out = join(d, 'other');
      });
    },
    args: train('--resume', '{dir}/other/checkpoints/last'),
    code: 2,
    message:
      /run folder .*run: holds checkpoints, .*run\.json.* of a run, and .*other\/checkpoints\/last is a checkpoint of the run in .*other: resume a run in its own folder/,
  },
  {
    name: "a copy of this run's checkpoint kept elsewhere resumes into it",
    setup: async (d) => {
      await copyRun(d);
      await cp(join(d, LAST), join(d, 'backup'), { recursive: true });
      await editState(join(d, 'backup'), (s) => {
        (s.config as Record<string, unknown>).out = join(d, 'run');
      });
    },
    args: train('--resume', '{dir}/backup', '--set', 'training.epochs=2'),
    code: 0,
    outputs: ['run'],
  },
  {
    name: '--resume auto over damaged checkpoints only',
    setup: async (d) => {
      await copyRun(d);
      await writeFile(join(d, LAST, 'model.safetensors'), 'x');
      for (const n of await readdir(join(d, 'run', 'checkpoints')))
        if (n !== 'last') await writeFile(join(d, 'run', 'checkpoints', n, 'state.json'), '{');
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: /no complete checkpoint to resume: checkpoints\/.* damaged/,
  },
  {
    name: '--resume auto in a folder of something else',
    setup: async (d) => {
      await writeConfig(d);
      await mkdir(join(d, 'run'));
      await writeFile(join(d, 'run', 'thesis.tex'), 'x');
    },
    args: train('--resume', 'auto'),
    code: 2,
    message: 'holds thesis.tex, which no deepsc run writes',
  },
  // checkpoints and state
  {
    name: 'state.json without config',
    setup: async (d) => {
      await copyRun(d);
      await editState(join(d, LAST), (s) => {
        delete s.config;
      });
    },
    args: train('--resume', `{dir}/${LAST}`),
    code: 3,
    message: "state.json is damaged or incomplete: config (the run's configuration) is missing",
  },
  {
    name: 'state.json with a step that is not a count',
    setup: async (d) => {
      await copyRun(d);
      await editState(join(d, LAST), (s) => {
        s.step = 'two';
      });
    },
    args: train('--resume', `{dir}/${LAST}`),
    code: 3,
    message: 'step is "two", expected a count',
  },
  {
    name: 'a malformed optimizer file (its hash recorded to match)',
    setup: async (d) => {
      await copyRun(d);
      const bytes = Buffer.from('not a safetensors file');
      await writeFile(join(d, LAST, 'optimizer.safetensors'), bytes);
      await editState(join(d, LAST), (s) => {
        (s.files as Record<string, unknown>).optimizer = {
          bytes: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        };
      });
    },
    args: train('--resume', `{dir}/${LAST}`),
    code: 3,
    message: 'optimizer.safetensors is not readable',
  },
  {
    name: 'a resume with another network (was a 6 KB list of tensor shapes)',
    setup: copyRun,
    args: train('--resume', 'auto', '--set', 'model.stemWidth=8'),
    code: 3,
    message:
      /it was trained with another network: stemWidth 4 there, 8 in this config \(set model\.\* as the run had it/,
  },
  {
    name: 'a resume with a changed manifest',
    setup: changedManifest,
    args: train('--resume', 'auto'),
    code: 3,
    message:
      /the manifest .*manifest-[\w-]+\.json changed since the run started \(SHA-256 .*resume with --force/,
  },
  {
    name: 'the same with --force resumes (and trains on), saying so',
    setup: changedManifest,
    args: train('--resume', 'auto', '--force', '--set', 'training.epochs=2'),
    code: 0,
    message: /warning: the manifest .*changed since the run started .*; resuming anyway \(force\)/,
    outputs: ['run'],
    after: async (_r, d) => {
      expect(JSON.parse(await readFile(join(d, LAST, 'state.json'), 'utf8')).step).toBe(4);
    },
  },
  // a diverging run (the recipe): stops naming the step, writes no NaN checkpoint
  {
    name: 'SGD at 1e12',
    setup: writeConfig,
    args: train(
      '--set',
      'optimizer.kind=sgd',
      '--set',
      'optimizer.lr=1e12',
      '--set',
      'optimizer.segmentationLr=1e12',
    ),
    code: 3,
    message:
      /training diverged at epoch 1, step [12] .*Nothing non-finite was written \(checkpoints saved before this step stay as they were\)/,
    outputs: ['run'],
    after: async (_r, d) => {
      expect(await readdir(join(d, 'run', 'checkpoints'))).toEqual([]);
    },
  },
  // caps and prototype keys
  {
    name: 'training.accumulate=1e9',
    setup: writeConfig,
    args: train('--set', 'training.accumulate=1e9'),
    code: 2,
    message: 'training.accumulate: got 1000000000; must be <= 1024',
  },
  {
    name: 'training.stepsPerEpoch=1e12',
    setup: writeConfig,
    args: train('--set', 'training.stepsPerEpoch=1e12'),
    code: 2,
    message: 'training.stepsPerEpoch: got 1000000000000; must be <= 1000000',
  },
  {
    name: 'model.wholeSize=[1,1,1]',
    setup: writeConfig,
    args: train('--set', 'model.preset=cpu', '--set', 'model.wholeSize=[1,1,1]'),
    code: 2,
    message: "model.wholeSize: got [1, 1, 1]; every axis must be from 4 (the network's smallest input",
  },
  {
    name: 'data.workers=100000',
    setup: writeConfig,
    args: train('--set', 'data.workers=100000'),
    code: 2,
    message: 'data.workers: got 100000; must be <= 64',
  },
  {
    name: '--set __proto__.x=1',
    setup: writeConfig,
    args: train('--set', '__proto__.x=1'),
    code: 2,
    message: "'__proto__.x=1': '__proto__' is not a configuration field",
  },
  {
    name: '--set with __proto__ inside a JSON value (was silently dropped)',
    setup: writeConfig,
    args: train('--set', 'data={"__proto__":{"workers":5}}'),
    code: 2,
    message: `'data={"__proto__":{"workers":5}}': 'data.__proto__' is not a configuration field`,
  },
  {
    name: 'a config file with a __proto__ key',
    setup: (d) =>
      writeFile(
        join(d, 't.json'),
        JSON.stringify(trainConfig()).replace('"seed":2', '"__proto__":{"seed":5},"seed":2'),
      ),
    args: train(),
    code: 2,
    message: '__proto__: not a configuration field',
  },
  // the demo
  {
    name: 'demo --scans 1e12',
    args: ['demo', '--out', '{dir}/demo', '--scans', '1e12', '--progress', 'off'],
    code: 2,
    message: '--scans must be an integer >= 10 (a split needs every class) and <= 5000',
  },
  {
    name: 'demo over a previous demo without --overwrite',
    setup: async (d) => {
      await mkdir(join(d, 'demo', 'run'), { recursive: true });
      await writeFile(join(d, 'demo', 'run', 'metrics.jsonl'), '');
    },
    args: ['demo', '--out', '{dir}/demo', '--progress', 'off'],
    code: 2,
    message: 'holds a previous demo (metrics.jsonl); pass --overwrite to replace it',
  },
  {
    name: 'demo into a locked run folder',
    setup: async (d) => {
      await mkdir(join(d, 'demo', 'run'), { recursive: true });
      await writeFile(
        join(d, 'demo', 'run', RUN_LOCK_FILE),
        JSON.stringify({
          pid: process.pid,
          host: hostname(),
          command: 'deepsc demo',
          startedAt: new Date().toISOString(),
          token: 't',
        }),
      );
    },
    args: ['demo', '--out', '{dir}/demo', '--progress', 'off', '--overwrite'],
    code: 2,
    message: `locked by deepsc demo (PID ${process.pid}`,
  },
];

describe('deepsc train / demo bad-input table', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_n, row) => checkBadInputRow(row), 60_000);
});
