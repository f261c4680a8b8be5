/**
 * `deepsc predict` on a folder of scans, with `--device` and `--window-batch`: each scan into
 * `<out>/<name>/`, a line (or with --json a record) per scan; a scan that fails is named, the
 * others written, exit 3; refusals before anything is written (an empty folder, a folder option
 * for one scan, cuda without CUDA, bad window batches, a window batch the model cannot take, an
 * output subfolder of other files); windows in batches give the same files as one at a time.
 * Then the input listing and the progress line as units.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cudaAvailable } from '@deepsc/core';
import { readNifti, writeNifti } from '@deepsc/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPredictInputs } from '../src/predict-inputs.js';
import { PredictProgress } from '../src/predict-progress.js';
import { smallScan, writeTinyCheckpoint } from './support/predict-fixture.js';
import { runCli } from './support/run-cli.js';

const haveGpu = cudaAvailable();
const dicomSeries = join(dirname(fileURLToPath(import.meta.url)), '../../io/test/fixtures/dicom/implicit_le');

let dir: string;
/** DeepSC-COVID tiny (joint: one window per call) and its segmentation-only variant (batches windows). */
let joint: string;
let seg: string;
/** Three good NIfTI scans and a note. */
let scans: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-predict-folder-'));
  joint = join(dir, 'ck-joint');
  seg = join(dir, 'ck-seg');
  await writeTinyCheckpoint(joint);
  await writeTinyCheckpoint(seg, { preset: 'tiny', variant: 'segmentation-only' });
  scans = join(dir, 'scans');
  await mkdir(scans);
  const ct = smallScan().ct;
  for (const name of ['a', 'b', 'c']) await writeNifti(join(scans, `${name}.nii.gz`), ct);
  await writeFile(join(scans, 'notes.txt'), 'not a scan\n');
});

/** A fresh folder under the test's. */
const fresh = async (name: string) => {
  const p = join(dir, name);
  await mkdir(p, { recursive: true });
  return p;
};

const predict = (model: string, input: string, out: string, ...more: string[]) =>
  runCli('predict', '--model', model, '--input', input, '--out', out, ...more);

describe('deepsc predict on a folder of scans', () => {
  it('predicts each NIfTI file into <out>/<name>/, skips the note with a warning, a line per scan', async () => {
    const out = join(dir, 'out-plain');
    const r = await predict(joint, scans, out);
    expect(r.code, r.err).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['a', 'b', 'c']);
    for (const n of ['a', 'b', 'c']) {
      const j = JSON.parse(await readFile(join(out, n, 'prediction.json'), 'utf8'));
      expect(j.input).toBe(join(scans, `${n}.nii.gz`));
      expect(j.classes).toEqual(['COVID-19', 'CAP', 'non-pneumonia']);
    }
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const [i, n] of ['a', 'b', 'c'].entries())
      expect(lines[i]).toMatch(
        new RegExp(
          `^${n}: (COVID-19|CAP|non-pneumonia) \\(COVID-19 0\\.\\d{3}, .*; lesions: \\d+, .*; wrote ${join(out, n, 'prediction.json')}$`,
        ),
      );
    expect(lines[3]).toBe(`3 of 3 scan(s) predicted into ${out} (on cpu, window batch 1)`);
    expect(r.err).toContain(`warning: ${scans}: skipped 1 file(s) that are not scans`);
    expect(r.err).toContain('notes.txt');
    // the same scan thrice: the same prediction thrice
    const probs = await Promise.all(
      ['a', 'b', 'c'].map(
        async (n) => JSON.parse(await readFile(join(out, n, 'prediction.json'), 'utf8')).probabilities,
      ),
    );
    expect(probs[1]).toEqual(probs[0]);
    expect(probs[2]).toEqual(probs[0]);
  });

  it('--json prints one record per scan, the prediction inside', async () => {
    const out = join(dir, 'out-json');
    const r = await predict(joint, scans, out, '--json');
    expect(r.code, r.err).toBe(0);
    const records = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => [x.scan, x.status, x.out])).toEqual(
      ['a', 'b', 'c'].map((n) => [n, 'ok', join(out, n)]),
    );
    for (const x of records) expect(x.prediction.classes).toHaveLength(3);
    expect(r.err).toContain(`deepsc: 3 of 3 scan(s) predicted into ${out}`);
  });

  it('a bad scan among good ones is named, the others are written, exit 3', async () => {
    const input = await fresh('mixed');
    await cp(join(scans, 'a.nii.gz'), join(input, 'a.nii.gz'));
    await cp(join(scans, 'b.nii.gz'), join(input, 'z.nii.gz'));
    await writeFile(join(input, 'bad.nii.gz'), 'not a NIfTI file at all');
    // a DICOM series folder: read as a scan (a 6x5-pixel phantom: no lung, refused)
    await cp(dicomSeries, join(input, 'phantom'), { recursive: true });
    const out = join(dir, 'out-mixed');
    const r = await predict(joint, input, out, '--json');
    expect(r.code).toBe(3);
    expect((await readdir(out)).sort()).toEqual(['a', 'z']);
    const records = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => [x.scan, x.status])).toEqual([
      ['a', 'ok'],
      ['bad', 'failed'],
      ['z', 'ok'],
      ['phantom', 'failed'],
    ]);
    expect(records[1]).toMatchObject({ input: join(input, 'bad.nii.gz'), exitCode: 3 });
    expect(r.err).toMatch(/deepsc: bad: failed: .+/);
    expect(r.err).toMatch(/deepsc: phantom: failed: .*no lung found/);
    expect(r.err).toContain(`2 of 4 scan(s) failed (bad, phantom); 2 predicted into ${out}`);
    // no temporary or partial folder left beside the outputs
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('windows in batches write the same predictions as one at a time', async () => {
    const one = join(dir, 'out-wb1');
    const two = join(dir, 'out-wb2');
    const a = await predict(seg, scans, one, '--window-batch', '1');
    // 3 windows per scan (tiny: patch [4, 8, 8] over [8, 8, 8]): a call of 2, then 1
    const b = await predict(seg, scans, two, '--window-batch', '2');
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toContain('(on cpu, window batch 2)');
    for (const n of ['a', 'b', 'c']) {
      const p1 = await readNifti(join(one, n, 'lesion_probability.nii.gz'));
      const p3 = await readNifti(join(two, n, 'lesion_probability.nii.gz'));
      expect(Buffer.from(p3.data.buffer).equals(Buffer.from(p1.data.buffer))).toBe(true);
      expect(await readFile(join(two, n, 'lesion_mask.nii.gz'))).toEqual(
        await readFile(join(one, n, 'lesion_mask.nii.gz')),
      );
    }
  });

  it('--overwrite replaces the scans folders of an earlier run; without it they are refused before anything runs', async () => {
    const out = join(dir, 'out-again');
    expect((await predict(joint, scans, out)).code).toBe(0);
    const before = await readFile(join(out, 'b', 'prediction.json'), 'utf8');
    const refused = await predict(joint, scans, out);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${join(out, 'a')}: already holds a prediction`);
    expect(await readFile(join(out, 'b', 'prediction.json'), 'utf8')).toBe(before);
    expect((await predict(joint, scans, out, '--overwrite')).code).toBe(0);
  });
});

describe('deepsc predict refusals (nothing written)', () => {
  it.each([
    [
      'an empty folder',
      async () => fresh('empty'),
      [],
      3,
      /: an empty folder: no NIfTI files, DICOM files or DICOM series folders to predict/,
    ],
    [
      'a folder holding only a non-scan file (read as a DICOM folder)',
      async () => {
        const p = await fresh('only-note');
        await writeFile(join(p, 'notes.txt'), 'hello');
        return p;
      },
      [],
      3,
      /only-note/,
    ],
    [
      'a.nii and a.nii.gz in one folder',
      async () => {
        const p = await fresh('clash');
        await cp(join(scans, 'a.nii.gz'), join(p, 'a.nii.gz'));
        await writeFile(join(p, 'a.nii'), 'x');
        return p;
      },
      [],
      3,
      /clash\/a\.nii and .*clash\/a\.nii\.gz would both write a\/; rename one/,
    ],
    [
      '--lung with a folder',
      async () => scans,
      ['--lung', '{scans}/a.nii.gz'],
      2,
      /--lung goes with one scan; .* is a folder of 3 scan\(s\)/,
    ],
    [
      '--dicom-seg with a folder',
      async () => scans,
      ['--dicom-seg', '{out}.dcm'],
      2,
      /--dicom-seg goes with one scan/,
    ],
    ['--device tpu', async () => scans, ['--device', 'tpu'], 2, /--device must be cpu or cuda, got 'tpu'/],
    ...(['0', '-1', 'x', '1.5', '2e0', ''] as const).map(
      (v) =>
        [
          `--window-batch '${v}'`,
          async () => scans,
          ['--window-batch', v],
          2,
          new RegExp(`--window-batch must be a positive integer, got '${v.replace('.', '\\.')}'`),
        ] as const,
    ),
    [
      '--window-batch 2 with the joint DeepSC-COVID (one region per batch)',
      async () => scans,
      ['--window-batch', '2'],
      2,
      /--window-batch 2: deepsc-covid: windowBatch 2, but it runs at most 1 window\(s\) per call \(variant joint: its graph takes one patch region per batch, and each window has its own\)/,
    ],
    [
      'an output subfolder holding other files',
      async () => scans,
      [],
      2,
      /out-foreign\/b: holds files that are not a deepsc prediction \(mine\.txt\)/,
    ],
  ] as const)('%s: exit %s', async (name, input, more, code, message) => {
    const out = join(dir, `out-refused-${name.replace(/\W+/g, '-')}`);
    if (name.startsWith('an output subfolder')) {
      await mkdir(join(dir, 'out-foreign', 'b'), { recursive: true });
      await writeFile(join(dir, 'out-foreign', 'b', 'mine.txt'), 'keep');
    }
    const target = name.startsWith('an output subfolder') ? join(dir, 'out-foreign') : out;
    const r = await predict(joint, await input(), target, ...more.map((m) => m.replace('{out}', out)));
    expect(r.code, r.err).toBe(code);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    if (target === out) expect(existsSync(out)).toBe(false);
    else expect((await readdir(target)).sort()).toEqual(['b']);
  });

  it.skipIf(haveGpu)(
    '--device cuda without a CUDA engine or a GPU: exit 2 saying which, before reading anything',
    async () => {
      const out = join(dir, 'out-cuda');
      // a checkpoint that does not exist: the device is refused first
      const r = await predict(join(dir, 'no-such-checkpoint'), scans, out, '--device', 'cuda');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^deepsc: --device cuda: device 'cuda' is not available: (this engine was built without CUDA|no GPU is visible); use 'cpu'\n$/,
      );
      expect(existsSync(out)).toBe(false);
    },
  );
});

describe('listPredictInputs', () => {
  it.each([
    ['a NIfTI file', async () => join(scans, 'a.nii.gz'), { kind: 'scan' }],
    ['a DICOM series folder (files)', async () => dicomSeries, { kind: 'scan' }],
    [
      'a folder of DICOM series folders',
      async () => {
        const p = await fresh('series-folders');
        await cp(dicomSeries, join(p, 's2'), { recursive: true });
        await cp(dicomSeries, join(p, 's1'), { recursive: true });
        await writeFile(join(p, '.DS_Store'), '');
        return p;
      },
      {
        kind: 'folder',
        scans: [
          { name: 's1', kind: 'dicom-folder' },
          { name: 's2', kind: 'dicom-folder' },
        ],
        skipped: [],
      },
    ],
    [
      'NIfTI files beside a series folder and a note',
      async () => {
        const p = await fresh('mixed-kinds');
        await writeFile(join(p, 'B.NII'), '');
        await writeFile(join(p, 'a.nii.gz'), '');
        await writeFile(join(p, 'readme.md'), '');
        await mkdir(join(p, 'dicom'));
        return p;
      },
      {
        kind: 'folder',
        scans: [
          { name: 'B', kind: 'nifti' },
          { name: 'a', kind: 'nifti' },
          { name: 'dicom', kind: 'dicom-folder' },
        ],
        skipped: ['readme.md'],
      },
    ],
  ] as const)('%s', async (_what, path, expected) => {
    const p = await path();
    const got = await listPredictInputs(p);
    expect(got.kind).toBe(expected.kind);
    if (got.kind === 'folder' && expected.kind === 'folder') {
      expect(got.scans.map((s) => ({ name: s.name, kind: s.kind }))).toEqual(expected.scans);
      for (const s of got.scans) expect(dirname(s.path)).toBe(p);
      expect(got.skipped).toEqual(expected.skipped);
    }
  });

  it('a missing path is one scan, whose reader names it (after the checkpoint is checked)', async () => {
    expect(await listPredictInputs(join(dir, 'nowhere'))).toEqual({ kind: 'scan' });
    const r = await predict(joint, join(dir, 'nowhere'), join(dir, 'out-nowhere'));
    expect(r.code).toBe(3);
    expect(r.err).toBe(`deepsc: ${join(dir, 'nowhere')}: no such file or folder\n`);
    expect(existsSync(join(dir, 'out-nowhere'))).toBe(false);
  });
});

describe('the progress line', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, s: { isTTY, write: (x: string) => written.push(x) > 0 } };
  };

  it('on a terminal: scan i of n, then the windows as a bar, cleared before other output', () => {
    const { written, s } = stream(true);
    const p = new PredictProgress(s);
    p.scan(2, 3, 'b');
    p.window(1, 4);
    p.window(4, 4);
    p.clear();
    p.clear();
    expect(written).toEqual([
      '\rscan 2/3 b\x1b[K',
      '\rscan 2/3 b [#####...............] windows 1/4\x1b[K',
      '\rscan 2/3 b [####################] windows 4/4\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('not on a terminal: nothing', () => {
    const { written, s } = stream(false);
    const p = new PredictProgress(s);
    p.scan(1, 1, 'a');
    p.window(1, 1);
    p.clear();
    expect(written).toEqual([]);
  });
});
