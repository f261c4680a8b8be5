// Issue 13's check: each shipped model is built, trained a few steps, predicted and evaluated
// through the same commands (deepsc train --model, predict, eval), so the same trainer,
// checkpoint, predict and evaluation code paths, none of which imports a network.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNifti } from '@deepsc/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as run } from './support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-models-'));
  const s = await run(
    'synth',
    '--out',
    join(dir, 'cohort'),
    '--n',
    '4',
    '--seed',
    '3',
    '--in-plane',
    '32',
    '--slices',
    '20-24',
    '--workers',
    '0',
  );
  expect(s.code, s.err).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  {
    model: 'deepsc-covid',
    bestMetric: 'accuracy',
    classes: ['COVID-19', 'CAP', 'non-pneumonia'],
    maps: ['evidence'],
  },
  { model: 'unet3d', bestMetric: 'dice', classes: [], maps: [] },
])('$model through train, predict and eval', ({ model, bestMetric, classes, maps }) => {
  const run_ = () => join(dir, model);
  it('trains 3 steps with validation, predicts a scan on its own grid, and evaluates the mask', async () => {
    const config = join(dir, `${model}.json`);
    await writeFile(
      config,
      JSON.stringify({
        seed: 1,
        out: run_(),
        model: { preset: 'tiny' },
        data: {
          manifest: join(dir, 'cohort', 'manifest.json'),
          workers: 0,
          split: { train: 0.67, val: 0.33, test: 0 },
        },
        training: { epochs: 1, stepsPerEpoch: 3, validateEvery: 1, bestMetric },
      }),
    );
    const t = await run('train', '--config', config, '--model', model, '--progress', 'off', '--json');
    expect(t.code, t.err).toBe(0);
    expect(JSON.parse(t.out)).toMatchObject({ status: 'completed', epochs: 1, steps: 3 });
    const state = JSON.parse(await readFile(join(run_(), 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(state.config.model.name).toBe(model);
    const log = (await readFile(join(run_(), 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const val = log.find((r) => r.split === 'val');
    expect(Number.isFinite(val[bestMetric])).toBe(true);

    const input = join(dir, 'cohort', 'images', 'synth-0000.nii.gz');
    const out = join(dir, `${model}-pred`);
    const p = await run(
      'predict',
      '--model',
      join(run_(), 'checkpoints', 'last'),
      '--input',
      input,
      '--out',
      out,
      '--json',
    );
    expect(p.code, p.err).toBe(0);
    const j = JSON.parse(p.out);
    expect(j.classes).toEqual(classes);
    expect(j.probabilities).toHaveLength(classes.length);
    const ct = await readNifti(input);
    for (const f of ['lesion_mask', 'lesion_probability', ...maps]) {
      const v = await readNifti(join(out, `${f}.nii.gz`));
      expect(v.dims).toEqual(ct.dims);
    }
    const probability = await readNifti(join(out, 'lesion_probability.nii.gz'));
    expect(Array.from(probability.data as Float32Array).every((x) => x >= 0 && x <= 1)).toBe(true);

    const e = await run(
      'eval',
      '--pred',
      join(out, 'lesion_mask.nii.gz'),
      '--truth',
      join(dir, 'cohort', 'lesions', 'synth-0000.nii.gz'),
      '--json',
      '--resamples',
      '10',
    );
    expect(e.code, e.err).toBe(0);
    const dice = JSON.parse(e.out).segmentation.perScan[0].metrics.dice;
    expect(dice).toBeGreaterThanOrEqual(0);
    expect(dice).toBeLessThanOrEqual(1);
  });
});
