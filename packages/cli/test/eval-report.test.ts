import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExampleRun } from '@deepsc/eval';
import { createVolume, scaledAffine, writeNifti } from '@deepsc/io';
import { RUN_LOCK_FILE } from '@deepsc/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const run = runCli;

let dir: string;
let ids: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-eval-'));
  ids = await writeExampleRun(join(dir, 'run'));
  await mkdir(join(dir, 'pred'));
  await mkdir(join(dir, 'truth'));
  for (const id of ids) {
    await copyFile(join(dir, 'run', 'scans', id, 'prediction.nii.gz'), join(dir, 'pred', `${id}.nii.gz`));
    await copyFile(join(dir, 'run', 'scans', id, 'truth.nii.gz'), join(dir, 'truth', `${id}.nii.gz`));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('deepsc eval', () => {
  it('evaluates two mask files', async () => {
    const s = join(dir, 'run', 'scans', 'covid-02');
    const r = await run(
      'eval',
      '--pred',
      join(s, 'prediction.nii.gz'),
      '--truth',
      join(s, 'truth.nii.gz'),
      '--json',
      '--resamples',
      '50',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.segmentation.perScan).toHaveLength(1);
    expect(j.segmentation.perScan[0].metrics.dice).toBe(1);
    expect(j.classification).toBeUndefined();
  });

  it('matches folders by file name and adds classification with --predictions (JSON)', async () => {
    const r = await run(
      'eval',
      '--pred',
      join(dir, 'pred'),
      '--truth',
      join(dir, 'truth'),
      '--predictions',
      join(dir, 'run', 'predictions.json'),
      '--json',
      '--resamples',
      '100',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.segmentation.perScan.map((p: { id: string }) => p.id)).toEqual([...ids].sort());
    // the normal scans have no lesion in either mask: sensitivity undefined -> null
    expect(
      j.segmentation.perScan.find((p: { id: string }) => p.id === 'normal-01').metrics.sensitivity,
    ).toBeNull();
    expect(j.segmentation.summary.cases['both-empty']).toBe(2);
    expect(j.classification.accuracy.value).toBeCloseTo(5 / 6, 12);
    expect(j.classification.confusion).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 0, 2],
    ]);
  });

  it('prints tables for people', async () => {
    const r = await run(
      'eval',
      '--pred',
      join(dir, 'pred'),
      '--truth',
      join(dir, 'truth'),
      '--predictions',
      join(dir, 'run', 'predictions.json'),
      '--resamples',
      '50',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/covid-01 +0\.\d{3}/);
    expect(r.out).toContain('mean over 6 scans');
    expect(r.out).toMatch(/accuracy +0\.833 \[/);
  });

  it('evaluates predictions alone', async () => {
    const r = await run(
      'eval',
      '--predictions',
      join(dir, 'run', 'predictions.json'),
      '--json',
      '--resamples',
      '20',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).classification.scans).toBe(6);
  });

  it('names both files when the geometry differs', async () => {
    const a = join(dir, 'a.nii.gz');
    const b = join(dir, 'b.nii.gz');
    await writeNifti(a, createVolume(new Uint8Array(24), [2, 3, 4], scaledAffine([1, 1, 1])));
    await writeNifti(b, createVolume(new Uint8Array(24), [2, 3, 4], scaledAffine([1, 1, 2])));
    const r = await run('eval', '--pred', a, '--truth', b);
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      `${a} is not on the grid of ${b}: affine row 2 [0, 0, 1, 0] vs [0, 0, 2, 0] (spacing, origin or orientation differ)`,
    );
    const c = join(dir, 'c.nii.gz');
    await writeNifti(c, createVolume(new Uint8Array(24), [2, 3, 4], scaledAffine([1, 1, 1], [5, 0, 0])));
    const r2 = await run('eval', '--pred', a, '--truth', c);
    expect(r2.code).toBe(3);
    expect(r2.err).toContain(`${a} is not on the grid of ${c}: affine row 0 [1, 0, 0, 0] vs [1, 0, 0, 5]`);
    const d = join(dir, 'd.nii.gz');
    await writeNifti(d, createVolume(new Uint8Array(24), [3, 2, 4], scaledAffine([1, 1, 1])));
    const r3 = await run('eval', '--pred', d, '--truth', a);
    expect(r3.code).toBe(3);
    expect(r3.err).toContain(`${d} is not on the grid of ${a}: dims [3, 2, 4] vs [2, 3, 4]`);
  });

  it('names files present in only one folder', async () => {
    await mkdir(join(dir, 'pred2'));
    await copyFile(join(dir, 'pred', 'cap-01.nii.gz'), join(dir, 'pred2', 'cap-01.nii.gz'));
    await copyFile(join(dir, 'pred', 'cap-01.nii.gz'), join(dir, 'pred2', 'extra.nii.gz'));
    const r = await run('eval', '--pred', join(dir, 'pred2'), '--truth', join(dir, 'truth'));
    expect(r.code).toBe(3);
    expect(r.err).toContain('only in');
    expect(r.err).toContain('extra.nii.gz');
    expect(r.err).toContain('covid-01.nii.gz');
  });

  it.each([
    [['eval'], 2, /nothing to evaluate/],
    [['eval', '--pred', 'x.nii'], 2, /--pred and --truth go together/],
    [
      ['eval', '--pred', '/nonexistent/p.nii', '--truth', '/nonexistent/t.nii'],
      3,
      /\/nonexistent\/p\.nii: no such file/,
    ],
    [['eval', '--predictions', '/nonexistent.json'], 3, /cannot read \(ENOENT\)/],
    [
      ['eval', '--predictions', 'x.json', '--resamples', '0'],
      2,
      /--resamples must be an integer from 1 to 100000, got 0/,
    ],
    [
      ['eval', '--predictions', 'x.json', '--nsd-tolerance', '-1'],
      2,
      /--nsd-tolerance must be a non-negative number/,
    ],
  ])('rejects %j', async (args, code, msg) => {
    const r = await run(...args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg);
  });

  it('rejects a file against a folder, corrupt NIfTI and bad predictions', async () => {
    const f = join(dir, 'pred', 'cap-01.nii.gz');
    expect((await run('eval', '--pred', f, '--truth', join(dir, 'truth'))).err).toMatch(
      /must both be files or both be folders/,
    );
    const bad = join(dir, 'bad.nii');
    await writeFile(bad, 'not a nifti file at all');
    const r = await run('eval', '--pred', bad, '--truth', bad);
    expect(r.code).toBe(3);
    expect(r.err).toContain('bad.nii');
    const p = join(dir, 'p.json');
    await writeFile(
      p,
      JSON.stringify({ classes: ['a', 'b'], scans: [{ id: 's', label: 'z', probabilities: [0.5, 0.5] }] }),
    );
    const r2 = await run('eval', '--predictions', p);
    expect(r2.code).toBe(3);
    expect(r2.err).toMatch(/has label "z", expected one of \["a","b"\]/);
    await writeFile(
      p,
      JSON.stringify({ classes: ['a', 'b'], scans: [{ id: 's', probabilities: [0.5, 0.5] }] }),
    );
    expect((await run('eval', '--predictions', p)).err).toMatch(/no scan has a "label"/);
  });
});

describe('deepsc report', () => {
  it('writes the HTML report of a run folder', async () => {
    const out = join(dir, 'out.html');
    const r = await run('report', join(dir, 'run'), '--out', out, '--resamples', '50', '--max-scans', '2');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${out}`);
    expect(r.out).toContain('2 scan views');
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<section id="classification">');
    expect(html.match(/<img /g)).toHaveLength(8);
  });

  it('takes the run lock to write into the run folder: refused while a live command holds it, released after', async () => {
    const lock = join(dir, 'run', RUN_LOCK_FILE);
    const holder = { pid: process.pid, host: hostname(), command: 'deepsc train' };
    await writeFile(lock, JSON.stringify({ ...holder, startedAt: new Date().toISOString(), token: 't' }));
    try {
      const r = await run('report', join(dir, 'run'), '--resamples', '10', '--max-scans', '0');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/run folder .*run is in use: locked by deepsc train \(PID \d+/);
      expect(await readdir(join(dir, 'run'))).not.toContain('report.html');
    } finally {
      await rm(lock, { force: true });
    }
    const r = await run('report', join(dir, 'run'), '--resamples', '10', '--max-scans', '0');
    expect(r.code).toBe(0);
    const left = await readdir(join(dir, 'run'));
    expect(left).toContain('report.html');
    expect(left).not.toContain(RUN_LOCK_FILE);
    await rm(join(dir, 'run', 'report.html'));
  });

  it.each([
    [['report', '/nonexistent-run'], 3, /run\.json not found/],
    [['report', '.', '--resamples', 'x'], 2, /--resamples must be an integer from 1 to 100000, got x/],
    [['report', '.', '--max-scans', '-1'], 2, /--max-scans must be an integer >= 0/],
  ])('rejects %j', async (args, code, msg) => {
    const r = await run(...args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg);
  });
});
