/**
 * Choosing a model from the command line: `deepsc models` lists what the registry knows;
 * `deepsc train --model` overrides the config's `model.name` and is refused (exit 2, naming
 * `--model`) for an unknown name, a missing module or a module that is no model; a run of a
 * model without a classifier (the U-Net) is reported by `deepsc report`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as run } from './support/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-model-option-'));
  await writeFile(join(dir, 'not-a-model.mjs'), 'export const model = { name: "x" };\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('deepsc models', () => {
  it('lists the shipped models with their versions, descriptions and presets', async () => {
    const r = await run('models', '--json');
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(r.out) as {
      name: string;
      package: string;
      installed: boolean;
      presets: string[];
    }[];
    expect(list.map((m) => [m.name, m.package, m.installed])).toEqual([
      ['deepsc-covid', '@deepsc/deepsc-covid', true],
      ['unet3d', '@deepsc/unet3d', true],
    ]);
    for (const m of list) expect(m.presets).toEqual(expect.arrayContaining(['paper', 'cpu', 'tiny']));
    const text = await run('models');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^deepsc-covid \(@deepsc\/deepsc-covid \d+\.\d+\.\d+\)\n {2}DeepSC-COVID: /);
    expect(text.out).toMatch(/\nunet3d \(@deepsc\/unet3d \d+\.\d+\.\d+\)\n {2}A plain 3D U-Net/);
  });
});

describe('deepsc train --model refusals (exit 2, before anything is written)', () => {
  it.each([
    [
      'an unknown name',
      'resnet',
      '--model: unknown model "resnet"; known: "deepsc-covid" (@deepsc/deepsc-covid), "unet3d"',
    ],
    ['a missing module', './absent.mjs', '--model: no module at '],
    [
      'a module that is no model',
      '<dir>/not-a-model.mjs',
      "its 'model' export is not a model spec: missing version",
    ],
  ])('%s', async (_, name, message) => {
    const config = join(dir, 'c.json');
    await writeFile(
      config,
      JSON.stringify({ out: join(dir, 'never'), data: { manifest: join(dir, 'm.json') } }),
    );
    const r = await run(
      'train',
      '--config',
      config,
      '--model',
      name.replace('<dir>', dir),
      '--progress',
      'off',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('invalid configuration in the command line');
    expect(r.err).toContain(message);
  });
});

describe('a model without a classifier', () => {
  it('trains with --model unet3d over a DeepSC-COVID preset and is reported', async () => {
    const s = await run(
      'synth',
      '--out',
      join(dir, 'cohort'),
      '--n',
      '4',
      '--seed',
      '5',
      '--in-plane',
      '32',
      '--slices',
      '20-24',
      '--workers',
      '0',
    );
    expect(s.code, s.err).toBe(0);
    const config = join(dir, 'unet.json');
    const out = join(dir, 'unet-run');
    // the demo preset's model and loss sections are DeepSC-COVID's: --model unet3d leaves them out
    await writeFile(
      config,
      JSON.stringify({
        preset: 'demo',
        out,
        model: { preset: 'tiny' },
        data: {
          manifest: join(dir, 'cohort', 'manifest.json'),
          workers: 0,
          split: { train: 0.5, val: 0.5, test: 0 },
        },
        training: { epochs: 1, stepsPerEpoch: 2, validateEvery: 1, bestMetric: 'dice' },
      }),
    );
    const t = await run('train', '--config', config, '--model', 'unet3d', '--progress', 'off', '--json');
    expect(t.code, t.err).toBe(0);
    expect(JSON.parse(t.out)).toMatchObject({ status: 'completed', model: { name: 'unet3d' }, steps: 2 });
    const runJson = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(runJson.model.name).toBe('unet3d');
    expect(runJson.classes).toEqual([]);
    expect(runJson.config.loss).toEqual({});
    const rep = await run('report', out);
    expect(rep.code, rep.err).toBe(0);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('no classifier');
  });
});
