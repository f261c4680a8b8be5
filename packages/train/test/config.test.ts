import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadTrainConfig,
  mergeConfig,
  parseOverride,
  resolveTrainConfig,
  resolveTrainingModel,
} from '../src/index.js';

const base = { data: { manifest: 'm.json' } };

const problems = (input: unknown, overrides: string[] = []) => {
  try {
    resolveTrainConfig(input, { overrides });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
};

describe('resolveTrainConfig', () => {
  it('fills the published defaults', () => {
    const c = resolveTrainConfig(base, { baseDir: '/r' });
    expect(c.optimizer).toMatchObject({ kind: 'adam', lr: 2e-3, segmentationLr: 5e-3, betas: [0.9, 0.999] });
    expect(c.schedule).toMatchObject({ kind: 'step', stepEpochs: 20, gamma: 0.5 });
    expect(c.training.epochs).toBe(300);
    expect(c.data.manifest).toBe('/r/m.json');
    expect(c.out).toBe('/r/runs/deepsc');
    expect(c.data.lesionPatchProbability).toBe(0.6);
  });

  it.each([
    ['demo', { epochs: 10, model: 'cpu', schedule: 'cosine' }],
    ['cpu', { epochs: 40, model: 'cpu', schedule: 'cosine' }],
    ['paper', { epochs: 300, model: 'paper', schedule: 'step' }],
  ])('preset %s', (preset, want) => {
    const c = resolveTrainConfig({ ...base, preset });
    expect([c.training.epochs, c.model.preset, c.schedule.kind]).toEqual([
      want.epochs,
      want.model,
      want.schedule,
    ]);
  });

  it.each([
    ['default', [], 'cpu'],
    ['cpu', ['training.device=cpu'], 'cpu'],
    ['cuda', ['training.device=cuda'], 'cuda'],
  ] as const)('training.device: %s', (_what, overrides, want) => {
    expect(resolveTrainConfig(base, { overrides }).training.device).toBe(want);
  });

  it.each([1, 2, 8])('accepts training.accumulate = %i (from the file and as an override)', (k) => {
    expect(resolveTrainConfig({ ...base, training: { accumulate: k } }).training.accumulate).toBe(k);
    expect(resolveTrainConfig(base, { overrides: [`training.accumulate=${k}`] }).training.accumulate).toBe(k);
  });

  it('applies file over preset and overrides over file', () => {
    const c = resolveTrainConfig(
      { ...base, preset: 'demo', training: { epochs: 5 } },
      { overrides: ['training.epochs=7', 'schedule.kind=poly', 'model.wholeSize=[16,32,32]'] },
    );
    expect(c.training.epochs).toBe(7);
    expect(c.schedule.kind).toBe('poly');
    expect(c.schedule.minFactor).toBe(0.05); // kept from the preset
    expect(c.model.wholeSize).toEqual([16, 32, 32]);
  });

  it.each([
    [
      'enum',
      { ...base, schedule: { kind: 'linear' } },
      'schedule.kind: got "linear"; allowed: "step", "cosine", "poly", "constant"',
    ],
    ['unknown key', { ...base, optimiser: {} }, 'optimiser: unknown field'],
    ['nested unknown key', { ...base, training: { epoch: 3 } }, 'training.epoch: unknown field'],
    ['type', { ...base, seed: 'x' }, 'seed: expected number, got "x"'],
    ['minimum', { ...base, training: { epochs: 0 } }, 'training.epochs: got 0; must be >= 1'],
    ['missing manifest', {}, 'data: expected object, got nothing'],
    [
      'fraction',
      { ...base, data: { manifest: 'm', lesionPatchProbability: 1.5 } },
      'data.lesionPatchProbability: got 1.5; must be <= 1',
    ],
    [
      'split sum',
      { ...base, data: { manifest: 'm', split: { train: 0.9, val: 0.2, test: 0 } } },
      'data.split: train + val + test = 1.1',
    ],
    ['accumulate of 0', { ...base, training: { accumulate: 0 } }, 'training.accumulate: got 0; must be >= 1'],
    [
      'negative accumulate',
      { ...base, training: { accumulate: -2 } },
      'training.accumulate: got -2; must be >= 1',
    ],
    [
      'fractional accumulate',
      { ...base, training: { accumulate: 1.5 } },
      'training.accumulate: expected int, got 1.5',
    ],
    [
      'accumulate as text',
      { ...base, training: { accumulate: '2' } },
      'training.accumulate: expected number, got "2"',
    ],
    [
      'early stop without validation',
      { ...base, training: { validateEvery: 0, earlyStopPatience: 3 } },
      'training.earlyStopPatience: needs validation',
    ],
    ['not an object', [1, 2], 'expected a JSON object, got an array'],
    [
      'device',
      { ...base, training: { device: 'gpu' } },
      'training.device: got "gpu"; allowed: "cpu", "cuda"',
    ],
    ['device in capitals', { ...base, training: { device: 'CUDA' } }, 'training.device: got "CUDA"; allowed'],
    // caps on numbers that size memory and time (docs/training.md "Limits")
    [
      'workers beyond the cap',
      { ...base, data: { manifest: 'm', workers: 100000 } },
      'data.workers: got 100000; must be <= 64',
    ],
    [
      'accumulate beyond the cap',
      { ...base, training: { accumulate: 1e9 } },
      'training.accumulate: got 1000000000; must be <= 1024',
    ],
    [
      'stepsPerEpoch beyond the cap',
      { ...base, training: { stepsPerEpoch: 1e12 } },
      'training.stepsPerEpoch: got 1000000000000; must be <= 1000000',
    ],
    [
      'scans per epoch beyond the cap',
      { ...base, training: { stepsPerEpoch: 100000, accumulate: 100 } },
      'training.stepsPerEpoch: 100000 steps of accumulate 100 are 10000000 scans per epoch; at most 1000000',
    ],
    [
      'epochs beyond the cap',
      { ...base, training: { epochs: 1e7 } },
      'training.epochs: got 10000000; must be <= 100000',
    ],
    [
      'a __proto__ key',
      { ...base, training: JSON.parse('{"__proto__": {"epochs": 1}}') },
      'training.__proto__: not a configuration field',
    ],
  ])('rejects a bad %s naming the field', (_what, input, message) => {
    expect(problems(input)).toContain(message);
  });

  it('lists every problem, not only the first', () => {
    const p = problems({ ...base, seed: -1, training: { epochs: 0 } });
    expect(p).toContain('seed');
    expect(p).toContain('training.epochs');
  });

  it.each([
    ['training.epochs=3', { training: { epochs: 3 } }],
    ['schedule.kind=cosine', { schedule: { kind: 'cosine' } }],
    ['model.patchSize=[8,16,16]', { model: { patchSize: [8, 16, 16] } }],
    ['name="a=b"', { name: 'a=b' }],
  ])('parseOverride(%s)', (text, want) => {
    expect(parseOverride(text)).toEqual(want);
  });

  it.each(['epochs', '=3', 'a..b=1'])('parseOverride rejects %s', (text) => {
    expect(() => parseOverride(text)).toThrow(/field\.path=value/);
  });

  it.each([
    '__proto__.x=1',
    'training.__proto__.epochs=1',
    'constructor.prototype.x=1',
    'training.prototype=1',
    'data={"__proto__":{"x":1}}',
    'training={"a":[{"constructor":{"prototype":1}}]}',
  ])('parseOverride refuses %s (a path to a prototype, not a field)', (text) => {
    expect(() => parseOverride(text)).toThrow(/is not a configuration field/);
  });

  it.each([
    ['tuple length', { model: { wholeSize: [1, 2] } }, ['model.wholeSize']],
    [
      'a whole size beyond the cap',
      { model: { wholeSize: [16, 4096, 64] } },
      ['model.wholeSize[1]: got 4096; must be <= 1024'],
    ],
    [
      "[1,1,1] with the preset's patch",
      { model: { wholeSize: [1, 1, 1] } },
      [
        "model.wholeSize: got [1, 1, 1]; every axis must be from 4 (the network's smallest input",
        'model.patchSize: [16, 64, 64] does not fit in model.wholeSize [1, 1, 1]',
      ],
    ],
    [
      'a patch of 2',
      { model: { preset: 'tiny', patchSize: [2, 8, 8] } },
      ['model.patchSize: got [2, 8, 8]; every axis must be from 4'],
    ],
    [
      'a patch larger than the scan',
      { model: { wholeSize: [16, 32, 32], patchSize: [16, 64, 64] } },
      ['model.patchSize: [16, 64, 64] does not fit in model.wholeSize [16, 32, 32]'],
    ],
    [
      'metric without a classifier',
      { model: { variant: 'segmentation-only' } },
      [
        'training.bestMetric: got "accuracy"; the model deepsc-covid as configured has no classifier: allowed: "dice"',
      ],
    ],
    [
      'metric without segmentation',
      { model: { variant: 'classification-only' }, training: { bestMetric: 'dice' } },
      ['allowed: "accuracy", "auc", "loss"'],
    ],
    [
      'the U-Net scored by accuracy',
      { model: { name: 'unet3d' } },
      [
        'training.bestMetric: got "accuracy"; the model unet3d as configured has no classifier: allowed: "dice"',
      ],
    ],
    [
      'an unknown model',
      { model: { name: 'resnet' } },
      ['model.name: unknown model "resnet"; known: "deepsc-covid"'],
    ],
    [
      "another model's field",
      { model: { name: 'unet3d', variant: 'joint' }, training: { bestMetric: 'dice' } },
      ['variant'],
    ],
  ])('the model refuses %s, naming the field', async (_w, extra, messages) => {
    const c = resolveTrainConfig({ ...base, ...extra }, { source: 'test' });
    const err = await resolveTrainingModel(c, 'test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe('test');
    for (const m of messages) expect((err as ConfigError).problems.join('\n')).toContain(m);
  });

  it('the model takes the smallest sizes the network can (the tiny preset)', async () => {
    const m = await resolveTrainingModel(
      resolveTrainConfig({ ...base, model: { preset: 'tiny', wholeSize: [4, 4, 4], patchSize: [4, 4, 4] } }),
    );
    expect(m.spec.name).toBe('deepsc-covid');
    expect(m.spec.scanGrid(m.config)).toEqual([4, 4, 4]);
  });

  it.each([
    ['no name: deepsc-covid', {}, 'deepsc-covid', { preset: 'cpu', variant: 'joint' }],
    ['deepsc-covid', { name: 'deepsc-covid' }, 'deepsc-covid', { preset: 'cpu', variant: 'joint' }],
    ["another model: the preset's model and loss sections left out", { name: 'unet3d' }, 'unet3d', {}],
  ])('a training preset over %s', (_w, model, name, fromPreset) => {
    const c = resolveTrainConfig({ ...base, preset: 'demo', model, training: { bestMetric: 'dice' } });
    expect(c.model).toEqual({ name, ...fromPreset });
    expect(c.loss).toEqual(name === 'deepsc-covid' ? { segClassWeights: [1, 1] } : {});
    expect(c.optimizer.lr).toBe(1e-2); // the preset's generic sections apply to every model
  });

  it("a model given as a module path is found from the config file's folder", () => {
    expect(
      resolveTrainConfig({ ...base, model: { name: './my-net.js' } }, { baseDir: '/r' }).model.name,
    ).toBe('/r/my-net.js');
  });

  it('mergeConfig replaces arrays and merges objects', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });

  it('loadTrainConfig resolves paths against the file and names the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deepsc-config-'));
    const f = join(dir, 'c.json');
    await writeFile(f, JSON.stringify({ ...base, out: 'o' }));
    const c = await loadTrainConfig(f);
    expect(c.out).toBe(join(dir, 'o'));
    expect(c.data.manifest).toBe(join(dir, 'm.json'));
    await writeFile(f, '{');
    await expect(loadTrainConfig(f)).rejects.toThrow(
      new RegExp(`invalid configuration in ${f}:\\n  not valid JSON`),
    );
    await expect(loadTrainConfig(join(dir, 'none.json'))).rejects.toThrow(/cannot read the file: ENOENT/);
  });
});
