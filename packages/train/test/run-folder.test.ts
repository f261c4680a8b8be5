/** Getting a run folder ready: new, overwrite, resume auto without a checkpoint, partial files. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRunFolderPath, prepareRunFolder, RUN_LOCK_FILE, RunFolderConflictError } from '../src/index.js';

/** A run folder holding `files` (paths relative to it; a trailing / makes a folder). */
let deadPid = 0;
beforeAll(async () => {
  deadPid = await new Promise<number>((res) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => res(c.pid as number));
  });
});

const folder = async (files: string[]) => {
  const d = join(await mkdtemp(join(tmpdir(), 'deepsc-run-folder-')), 'run');
  await mkdir(d);
  for (const f of files.map((n) => n.replace('DEAD', String(deadPid)))) {
    if (f.endsWith('/')) await mkdir(join(d, f), { recursive: true });
    else {
      await mkdir(join(d, f, '..'), { recursive: true });
      await writeFile(join(d, f), 'x');
    }
  }
  return d;
};

const tree = async (d: string): Promise<string[]> => {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true, recursive: true }))
    out.push(join(e.parentPath, e.name).slice(d.length + 1) + (e.isDirectory() ? '/' : ''));
  return out.sort();
};

describe('prepareRunFolder', () => {
  it.each([
    ['a new run in an empty folder', [RUN_LOCK_FILE], {}, [RUN_LOCK_FILE], ''],
    [
      'overwrite: everything a run writes goes (killed writes too) but the lock',
      [
        RUN_LOCK_FILE,
        'run.json',
        'cache/a.bin',
        'checkpoints/last/state.json',
        'report.html',
        '.run.json.DEAD.0a1b2c3d4e5f.tmp',
      ],
      { overwrite: true },
      [RUN_LOCK_FILE],
      'cleared',
    ],
    [
      'resume auto without a checkpoint: a fresh start keeping the cache',
      [RUN_LOCK_FILE, 'run.json', 'split.json', 'metrics.jsonl', 'cache/a.bin', 'checkpoints/'],
      { resume: 'auto' },
      [RUN_LOCK_FILE, 'cache/', 'cache/a.bin'],
      'starting from epoch 0',
    ],
    [
      'resume: partial files of killed atomic writes are removed',
      [
        RUN_LOCK_FILE,
        // a dead process's, and one of this process (a write in flight: it stays)
        'cache/.a.json.DEAD.0a1b2c3d4e5f.tmp',
        '.metrics.jsonl.DEAD.abcdef012345.tmp',
        `cache/.c.json.${process.pid}.abcdef012345.tmp`,
        'cache/b.json',
      ],
      { resume: 'auto' },
      [RUN_LOCK_FILE, 'cache/', `cache/.c.json.${process.pid}.abcdef012345.tmp`, 'cache/b.json'],
      'removed 2 partial file(s)',
    ],
  ] as const)('%s', async (_w, files, options, after, note) => {
    const d = await folder([...files]);
    const r = await prepareRunFolder(d, options);
    expect(r.resume).toBeUndefined();
    expect(await tree(d)).toEqual([...after].sort());
    expect(r.notes.join('\n')).toContain(note);
  });

  it.each([
    ['a new run in a folder holding a run', ['run.json', 'checkpoints/'], {}, /holds checkpoints, run\.json/],
    [
      'overwrite with resume',
      [],
      { overwrite: true, resume: 'auto' },
      /overwrite and resume exclude each other/,
    ],
    [
      'resume auto over damaged checkpoints',
      ['checkpoints/last/state.json'],
      { resume: 'auto' },
      /checkpoints\/last is damaged/,
    ],
    [
      'overwrite of a folder holding files no run writes (a cohort: it was emptied)',
      ['run.json', 'images/a.nii.gz', 'manifest.json'],
      { overwrite: true },
      /holds images, manifest\.json, which no deepsc run writes: --overwrite clears only a run folder/,
    ],
    [
      'resume auto over other files',
      ['paper.pdf', 'run.json'],
      { resume: 'auto' },
      /holds paper\.pdf, which no deepsc run writes/,
    ],
  ] as const)('refuses %s and changes nothing', async (_w, files, options, message) => {
    const d = await folder([...files]);
    const before = await tree(d);
    const err = await prepareRunFolder(d, options).catch((e) => e);
    expect(err).toBeInstanceOf(RunFolderConflictError);
    expect(err.message).toMatch(message);
    expect(await tree(d)).toEqual(before);
  });

  it('checkRunFolderPath takes a folder or nothing, and refuses a file or a file as a parent', async () => {
    const d = await folder(['f']);
    await expect(checkRunFolderPath(d)).resolves.toBeUndefined();
    await expect(checkRunFolderPath(join(d, 'new'))).resolves.toBeUndefined();
    await expect(checkRunFolderPath(join(d, 'f'))).rejects.toThrow(/is a file, not a folder/);
    await expect(checkRunFolderPath(join(d, 'f', 'run'))).rejects.toThrow(/a parent of it is a file/);
  });
});
