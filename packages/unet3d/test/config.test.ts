import { checkModelSpec, ModelConfigError } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { model, planStrides, resolveUnet3dConfig, unet3dOptimizer } from '../src/index.js';

describe('unet3d: the model spec', () => {
  it('is a model spec the registry accepts, segmentation only', () => {
    expect(checkModelSpec(model, '@deepsc/unet3d')).toBe(model);
    expect(model.name).toBe('unet3d');
    expect(model.presets).toEqual(['paper', 'cpu', 'tiny']);
    const c = model.resolveConfig({ model: {} });
    expect(model.tasks(c)).toEqual({ segmentation: true });
    expect(model.scanGrid(c)).toEqual([64, 64, 32]);
    expect(model.minimumInput(c)).toEqual([1, 1, 1]);
    expect(model.forwardFlopsPerScan?.(c)).toBeGreaterThan(0);
  });
});

describe('unet3d: resolveConfig', () => {
  it.each([
    {
      name: 'defaults: the cpu preset, deep supervision',
      model: {},
      loss: undefined,
      want: {
        scanSize: [32, 64, 64],
        patchSize: [16, 64, 64],
        widths: [8, 16, 32, 64],
        strides: [
          [1, 1, 1],
          [2, 2, 2],
          [2, 2, 2],
          [1, 2, 2],
        ],
        supervision: [2 / 3, 1 / 3, 0],
        foregroundProbability: 1 / 3,
      },
    },
    {
      name: 'paper: widths capped at 320, six stages',
      model: { preset: 'paper', name: 'unet3d' },
      loss: undefined,
      want: {
        patchSize: [48, 192, 192],
        widths: [32, 64, 128, 256, 320, 320],
        strides: [
          [1, 1, 1],
          [2, 2, 2],
          [2, 2, 2],
          [2, 2, 2],
          [1, 2, 2],
          [1, 2, 2],
        ],
      },
    },
    {
      name: 'overrides, no deep supervision',
      model: {
        preset: 'tiny',
        patchSize: [8, 8, 16],
        baseWidth: 2,
        maxWidth: 16,
        deepSupervision: false,
        foregroundProbability: 0.5,
      },
      loss: { diceWeight: 0.5, batchDice: false },
      want: {
        patchSize: [8, 8, 16],
        widths: [2, 4, 8],
        supervision: [1],
        foregroundProbability: 0.5,
        loss: { diceWeight: 0.5, ceWeight: 1, smooth: 1e-5, batchDice: false, dropLowest: 1 },
      },
    },
    {
      name: 'four outputs, two dropped',
      model: { preset: 'cpu', maxStages: 5, patchSize: [32, 64, 64] },
      loss: { dropLowest: 2 },
      want: { supervision: [2 / 3, 1 / 3, 0, 0] },
    },
    {
      name: 'four outputs, the lowest dropped',
      model: { preset: 'cpu', maxStages: 5, patchSize: [32, 64, 64] },
      loss: {},
      want: { supervision: [4 / 7, 2 / 7, 1 / 7, 0] },
    },
  ])('$name', ({ model: m, loss, want }) => {
    const c = resolveUnet3dConfig({ model: m, ...(loss ? { loss } : {}) });
    for (const [k, v] of Object.entries(want)) {
      const got = (c as unknown as Record<string, unknown>)[k];
      if (k === 'supervision' || k === 'foregroundProbability')
        expect((Array.isArray(got) ? got : [got]).map((x: number) => +x.toFixed(12))).toEqual(
          (Array.isArray(v) ? v : [v]).map((x) => +(x as number).toFixed(12)),
        );
      else expect(got).toEqual(v);
    }
  });

  it.each([
    {
      name: 'unknown field',
      model: { depth: 3 },
      loss: {},
      errors: ['model.depth: unknown field; remove or check the spelling'],
    },
    {
      name: 'unknown preset',
      model: { preset: 'huge' },
      loss: {},
      errors: ['model.preset: got "huge"; allowed: "paper", "cpu", "tiny"'],
    },
    {
      name: 'patch axis 0',
      model: { patchSize: [0, 64, 64] },
      loss: {},
      errors: ['model.patchSize[0]: got 0; must be >= 1'],
    },
    {
      name: 'patch larger than the scan',
      model: { patchSize: [64, 64, 64] },
      loss: {},
      errors: ['model.patchSize: [64, 64, 64] does not fit in model.scanSize [32, 64, 64]'],
    },
    {
      name: 'a patch no axis of which halves',
      model: { patchSize: [7, 5, 6] },
      loss: {},
      errors: ['model.patchSize: [7, 5, 6] cannot be halved on any axis'],
    },
    {
      name: 'maxWidth below baseWidth',
      model: { baseWidth: 16, maxWidth: 8 },
      loss: {},
      errors: ['model.maxWidth: got 8; must be >= model.baseWidth (16)'],
    },
    {
      name: 'every output dropped',
      model: { preset: 'tiny' },
      loss: { dropLowest: 2 },
      errors: ['loss.dropLowest: got 2; the U-Net has 2 decoder outputs, so at most 1 can be dropped'],
    },
    {
      name: 'several problems at once, each named',
      model: { convsPerStage: 0, deepSupervision: 'yes' },
      loss: { smooth: 0, extra: 1 },
      errors: [
        'model.convsPerStage: got 0; must be >= 1',
        'model.deepSupervision: expected boolean, got "yes"',
        'loss.smooth: got 0; must be > 0',
        'loss.extra: unknown field',
      ],
    },
  ])('refuses $name', ({ model: m, loss, errors }) => {
    let err: unknown;
    try {
      resolveUnet3dConfig({ model: m, loss });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelConfigError);
    expect(err).toBeInstanceOf(RangeError);
    const problems = (err as ModelConfigError).problems;
    expect(problems.length).toBe(errors.length);
    for (const e of errors) expect(problems.some((p) => p.startsWith(e))).toBe(true);
  });
});

describe('unet3d: stride plan', () => {
  it.each([
    {
      patch: [16, 64, 64],
      max: 4,
      want: [
        [1, 1, 1],
        [2, 2, 2],
        [2, 2, 2],
        [1, 2, 2],
      ],
    },
    {
      patch: [8, 16, 16],
      max: 6,
      want: [
        [1, 1, 1],
        [2, 2, 2],
        [1, 2, 2],
        [1, 1, 1],
      ].slice(0, 3),
    },
    {
      patch: [5, 64, 64],
      max: 3,
      want: [
        [1, 1, 1],
        [1, 2, 2],
        [1, 2, 2],
      ],
    },
    { patch: [6, 6, 6], max: 4, want: [[1, 1, 1]] },
  ] as const)('$patch, at most $max stages', ({ patch, max, want }) => {
    expect(planStrides(patch, max)).toEqual(want);
  });
  it('refuses a bad patch or stage count', () => {
    expect(() => planStrides([0, 4, 4], 3)).toThrow(/patch \[0, 4, 4\] must be three positive integers/);
    expect(() => planStrides([8, 8, 8], 0)).toThrow(/maxStages must be a positive integer, got 0/);
  });
});

describe('unet3d: optimizer', () => {
  it.each([
    {
      name: "nnU-Net's SGD: Nesterov momentum 0.99",
      o: { kind: 'sgd', lr: 0.01, weightDecay: 3e-5, momentum: 0.99 },
      want: { kind: 'sgd', lr: 0.01, weightDecay: 3e-5, momentum: 0.99, nesterov: true },
    },
    {
      name: 'plain SGD without momentum',
      o: { kind: 'sgd', lr: 0.1, weightDecay: 0, momentum: 0 },
      want: { kind: 'sgd', lr: 0.1, weightDecay: 0, momentum: 0 },
    },
    {
      name: 'Adam with clipping',
      o: { kind: 'adam', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.99], clipGradNorm: 12 },
      want: { kind: 'adam', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.99], clipGradNorm: 12 },
    },
  ] as const)('$name', ({ o, want }) => {
    const r = unet3dOptimizer(o);
    expect(r.config).toEqual(want);
    expect(r.baseLearningRates).toEqual([o.lr]);
    expect(r.groupNames).toEqual(['lr']);
  });
});
