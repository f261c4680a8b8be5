import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVolume, generateScan, readNifti, writeNifti } from '@deepsc/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const run = runCli;

let dir: string;
let config: string;
const tinyConfig = (extra: Record<string, unknown> = {}) => ({
  seed: 2,
  out: 'run',
  model: { preset: 'tiny' },
  data: { manifest: 'cohort/manifest.json', workers: 0, split: { train: 0.67, val: 0.33, test: 0 } },
  training: { epochs: 2, stepsPerEpoch: 3, validateEvery: 1 },
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-train-'));
  const s = await run(
    'synth',
    '--out',
    join(dir, 'cohort'),
    '--n',
    '6',
    '--seed',
    '1',
    '--in-plane',
    '32',
    '--slices',
    '20-24',
    '--workers',
    '0',
    '--json',
  );
  expect(s.code).toBe(0);
  config = join(dir, 'train.json');
  await writeFile(config, JSON.stringify(tinyConfig()));
});

describe('deepsc train, resume, predict, eval on a tiny cohort', () => {
  it('trains one epoch, then resumes to the second', async () => {
    const first = await run(
      'train',
      '--config',
      config,
      '--set',
      'training.epochs=1',
      '--progress',
      'off',
      '--json',
    );
    expect(first.code, first.err).toBe(0);
    const a = JSON.parse(first.out);
    expect(a).toMatchObject({ status: 'completed', epochs: 1, steps: 3 });
    const second = await run('train', '--config', config, '--resume', 'auto', '--progress', 'off', '--json');
    expect(second.code, second.err).toBe(0);
    const b = JSON.parse(second.out);
    expect(b).toMatchObject({ status: 'completed', epochs: 2, steps: 6 });
    const state = JSON.parse(await readFile(join(dir, 'run', 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(state).toMatchObject({ epoch: 2, step: 6, reason: 'final', format: 'deepsc-checkpoint' });
    const log = (await readFile(join(dir, 'run', 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((r) => r.split === 'train').map((r) => r.epoch)).toEqual([1, 2]);
    expect(log.filter((r) => r.split === 'val')).toHaveLength(2);
  });

  it('predicts a training-geometry scan on its own grid, and eval reads the mask', async () => {
    const input = join(dir, 'cohort', 'images', 'synth-0000.nii.gz');
    const r = await run(
      'predict',
      '--model',
      join(dir, 'run', 'checkpoints', 'last'),
      '--input',
      input,
      '--out',
      join(dir, 'pred0'),
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.classes).toEqual(['COVID-19', 'CAP', 'non-pneumonia']);
    expect(j.probabilities.reduce((x: number, y: number) => x + y, 0)).toBeCloseTo(1, 5);
    expect(j.classes).toContain(j.predictedClass);
    expect(typeof j.findings.lesionCount).toBe('number');
    const ct = await readNifti(input);
    for (const f of ['lesion_mask', 'lesion_probability', 'evidence']) {
      const v = await readNifti(join(dir, 'pred0', `${f}.nii.gz`));
      expect(v.dims).toEqual(ct.dims);
      expect(v.affine.flat().map((x) => x.toFixed(4))).toEqual(ct.affine.flat().map((x) => x.toFixed(4)));
    }
    const e = await run(
      'eval',
      '--pred',
      join(dir, 'pred0', 'lesion_mask.nii.gz'),
      '--truth',
      join(dir, 'cohort', 'lesions', 'synth-0000.nii.gz'),
      '--json',
      '--resamples',
      '10',
    );
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).segmentation.perScan).toHaveLength(1);
  });

  it('predicts a scan whose size, spacing and orientation differ from the training data in its own geometry', async () => {
    const s = generateScan('covid', 'other-geometry', { inPlane: 40, slices: [30, 30] });
    // flip i (an LPS-like x axis), stretch the slices and move the origin
    const a = s.image.affine;
    const affine = [
      [-a[0][0], a[0][1], a[0][2], a[0][3] + 50],
      [a[1][0], a[1][1] * 0.8, a[1][2], a[1][3] - 20],
      [a[2][0], a[2][1], a[2][2] * 1.5, a[2][3] + 7],
      [0, 0, 0, 1],
    ] as unknown as typeof a;
    const path = join(dir, 'odd.nii.gz');
    await writeNifti(path, createVolume(s.image.data, s.image.dims, affine));
    const r = await run(
      'predict',
      '--model',
      join(dir, 'run', 'checkpoints', 'last'),
      '--input',
      path,
      '--out',
      join(dir, 'pred-odd'),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote .*prediction\.json/);
    const m = await readNifti(join(dir, 'pred-odd', 'lesion_mask.nii.gz'));
    expect(m.dims).toEqual([40, 40, 30]);
    expect(m.affine.flat().map((x) => x.toFixed(3))).toEqual(affine.flat().map((x) => x.toFixed(3)));
  });
});

describe('configuration, argument and checkpoint errors', () => {
  const bad = async (name: string, content: unknown) => {
    const p = join(dir, name);
    await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  it.each([
    [
      'an unknown variant',
      { ...tinyConfig(), model: { preset: 'tiny', variant: 'both' } },
      [],
      /model\.variant: got "both"; allowed: "joint", "segmentation-only"/,
    ],
    ['an unknown field', { ...tinyConfig(), epochz: 3 }, [], /epochz: unknown field/],
    [
      'a bad override',
      tinyConfig(),
      ['--set', 'training.epochs=zero'],
      /training\.epochs: expected number, got "zero"/,
    ],
    ['a malformed override', tinyConfig(), ['--set', 'training.epochs'], /field\.path=value/],
    [
      'a split not summing to 1',
      { ...tinyConfig(), data: { ...tinyConfig().data, split: { train: 0.5, val: 0.1, test: 0.1 } } },
      [],
      /data\.split: train \+ val \+ test = 0\.7/,
    ],
    [
      'gradient accumulation of 0 scans',
      tinyConfig({ training: { accumulate: 0 } }),
      [],
      /training\.accumulate: got 0; must be >= 1/,
    ],
    [
      'an unknown preset',
      { ...tinyConfig(), preset: 'huge' },
      [],
      /preset: got "huge"; allowed: "paper", "cpu", "demo"/,
    ],
    [
      'a network that does not fit',
      { ...tinyConfig(), model: { preset: 'tiny', stemWidth: 6 } },
      [],
      /model\.stemWidth = 6 must be a multiple of 4/,
    ],
    ['text that is not JSON', '{ "seed": ', [], /not valid JSON/],
  ])('train with %s exits 2 naming the field', async (_what, content, extra, message) => {
    const r = await run(
      'train',
      '--config',
      await bad(`bad-${_what.replace(/\W/g, '_')}.json`, content),
      '--progress',
      'off',
      ...(extra as string[]),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack without --verbose
  });

  it.each([
    ['train without --config', ['train'], 2, /required option '-c, --config <file>'/],
    [
      'train with a missing config file',
      ['train', '--config', '/nonexistent/x.json'],
      2,
      /cannot read the file: ENOENT/,
    ],
    [
      'train with a bad --progress',
      ['train', '--config', 'x.json', '--progress', 'loud'],
      2,
      /--progress must be auto, bar, lines or off/,
    ],
    [
      'predict with a threshold out of range',
      ['predict', '-m', 'x', '-i', 'y', '-o', 'z', '--threshold', '2'],
      2,
      /--threshold must lie in \(0, 1\)/,
    ],
    [
      'predict from a folder that is no checkpoint',
      ['predict', '-m', '/tmp', '-i', 'y', '-o', 'z'],
      3,
      /no state\.json here/,
    ],
    ['demo with too few scans', ['demo', '--scans', '3'], 2, /--scans must be an integer >= 10/],
  ])('%s exits with its code and says why', async (_what, args, code, message) => {
    const r = await run(...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message as RegExp);
  });

  it('a truncated checkpoint is refused with the reason', async () => {
    const ck = join(dir, 'truncated-ck');
    await cp(join(dir, 'run', 'checkpoints', 'last'), ck, { recursive: true });
    await truncate(join(ck, 'model.safetensors'), 100);
    const r = await run(
      'predict',
      '--model',
      ck,
      '--input',
      join(dir, 'cohort', 'images', 'synth-0000.nii.gz'),
      '--out',
      join(dir, 'p'),
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /model\.safetensors has 100 bytes, state\.json recorded \d+ \(truncated or replaced\)/,
    );
  });

  it('a damaged checkpoint (same size, other bytes) is refused', async () => {
    const ck = join(dir, 'corrupt-ck');
    await cp(join(dir, 'run', 'checkpoints', 'last'), ck, { recursive: true });
    const f = join(ck, 'optimizer.safetensors');
    const b = await readFile(f);
    b[b.length - 1] = (b[b.length - 1] as number) ^ 0xff;
    await writeFile(f, b);
    const r = await run('train', '--config', config, '--resume', ck, '--progress', 'off');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/optimizer\.safetensors does not match its SHA-256/);
  });

  it('resuming with another network is refused naming both', async () => {
    const other = await bad('other-net.json', {
      ...tinyConfig(),
      out: 'run-other',
      model: { preset: 'tiny', stemWidth: 8 },
    });
    const r = await run(
      'train',
      '--config',
      other,
      '--resume',
      join(dir, 'run', 'checkpoints', 'last'),
      '--progress',
      'off',
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/trained with another network: stemWidth 4 there, 8 in this config/);
  });
});

describe('Ctrl-C', () => {
  it('saves a checkpoint and exits with 130', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const cfg = join(dir, 'long.json');
    await writeFile(
      cfg,
      JSON.stringify({
        ...tinyConfig(),
        out: 'run-long',
        training: { epochs: 100000, stepsPerEpoch: 3, validateEvery: 0 },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        join(root, 'packages/cli/src/bin.ts'),
        'train',
        '--config',
        cfg,
        '--progress',
        'lines',
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    const log = join(dir, 'run-long', 'metrics.jsonl');
    for (let i = 0; i < 600 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(log)).toBe(true);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toMatch(/interrupted at epoch \d+, step \d+\/3: saved|interrupted; resume with --resume/);
    const state = JSON.parse(
      await readFile(join(dir, 'run-long', 'checkpoints', 'last', 'state.json'), 'utf8'),
    );
    expect(state.reason).toBe('interrupt');
    expect(state.step).toBeGreaterThanOrEqual(3);
  });
});
