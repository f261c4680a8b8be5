/**
 * The `model` and `loss` sections of a training configuration: defaults, overrides, and every
 * kind of problem named by its field (one line each, all of them at once).
 */
import { ModelConfigError } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/presets.js';
import { resolveTrainingConfig } from '../src/training-config.js';

const problemsOf = (sections: Parameters<typeof resolveTrainingConfig>[0]): readonly string[] => {
  try {
    resolveTrainingConfig(sections);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelConfigError);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe((err as ModelConfigError).problems.join('\n'));
    return (err as ModelConfigError).problems;
  }
  throw new Error(`resolved: ${JSON.stringify(sections)}`);
};

describe('resolveTrainingConfig', () => {
  it('an empty model section is the cpu preset, joint, with the default loss', () => {
    const r = resolveTrainingConfig({ model: {} });
    expect(r.section).toEqual({ preset: 'cpu', variant: 'joint' });
    expect(r.network.wholeSize).toEqual(PRESETS.cpu.wholeSize);
    expect(r.network.patchSize).toEqual(PRESETS.cpu.patchSize);
    expect(r.network.variant).toBe('joint');
    expect(r.loss).toEqual({});
  });

  it("applies the overrides over the preset; the registry name is not the model's", () => {
    const r = resolveTrainingConfig({
      model: {
        name: 'deepsc-covid',
        preset: 'tiny',
        variant: 'segmentation-only',
        wholeSize: [8, 16, 16],
        patchSize: [4, 16, 16],
        stemWidth: 8,
        unetWidths: [4, 4, 8, 8],
        clsWidths: [4, 4, 8],
        groups: 4,
      },
      loss: { diceWeight: 2, classWeights: [1, 2, 3] },
    });
    expect(r.section).not.toHaveProperty('name');
    expect(r.network).toMatchObject({
      wholeSize: [8, 16, 16],
      patchSize: [4, 16, 16],
      stemWidth: 8,
      groups: 4,
      variant: 'segmentation-only',
      regionAxes: [0],
    });
    expect(r.loss).toEqual({ diceWeight: 2, classWeights: [1, 2, 3] });
  });

  it.each([
    [
      'an unknown preset',
      { model: { preset: 'huge' } },
      ['model.preset: got "huge"; allowed: "paper", "cpu", "tiny"'],
    ],
    [
      'an unknown variant',
      { model: { variant: 'joint-ish' } },
      [
        'model.variant: got "joint-ish"; allowed: "joint", "segmentation-only", "classification-only", "joint-without-task-aware", "joint-without-cross-stitch"',
      ],
    ],
    [
      'a misspelt model field',
      { model: { patchSzie: [4, 8, 8] } },
      ['model.patchSzie: unknown field; remove or check the spelling'],
    ],
    ['a size of two axes', { model: { wholeSize: [8, 8] } }, [/^model\.wholeSize: /]],
    ['a fractional width', { model: { stemWidth: 6.5 } }, ['model.stemWidth: expected int, got 6.5']],
    [
      "a width below the stem's four branches",
      { model: { stemWidth: 2 } },
      ['model.stemWidth: got 2; must be >= 4'],
    ],
    [
      'an axis above the maximum',
      { model: { wholeSize: [8, 8, 2048] } },
      ['model.wholeSize[2]: got 2048; must be <= 1024'],
    ],
    [
      'a string where a width goes',
      { model: { unetWidths: [4, 4, 'eight', 8] } },
      ['model.unetWidths[2]: expected number, got "eight"'],
    ],
    [
      "an axis below the network's smallest input (from the preset)",
      { model: { preset: 'tiny', wholeSize: [2, 8, 8], patchSize: [2, 8, 8] } },
      [
        /^model\.wholeSize: got \[2, 8, 8\]; every axis must be from 4 /,
        /^model\.patchSize: got \[2, 8, 8\]; every axis must be from 4 /,
      ],
    ],
    [
      'a patch larger than the whole scan',
      { model: { preset: 'tiny', patchSize: [16, 8, 8] } },
      [
        "model.patchSize: [16, 8, 8] does not fit in model.wholeSize [8, 8, 8] (patches are cut from the whole-scan grid): make every axis <= the whole size's",
      ],
    ],
    [
      "a width groups does not divide (named as the model section's)",
      { model: { preset: 'tiny', stemWidth: 12, groups: 8 } },
      ['model: model.stemWidth = 12 is not divisible by model.groups = 8 (GroupNorm)'],
    ],
    ['a model section that is not an object', { model: 'tiny' }, ['model: expected object, got "tiny"']],
    ['a model section that is a list', { model: ['tiny'] }, ['model: expected object, got ["tiny"]']],
    [
      'a negative loss weight',
      { model: {}, loss: { diceWeight: -1 } },
      ['loss.diceWeight: got -1; must be >= 0'],
    ],
    [
      'a misspelt loss field',
      { model: {}, loss: { diceWieght: 1 } },
      ['loss.diceWieght: unknown field; remove or check the spelling'],
    ],
    [
      'two class weights for three classes',
      { model: {}, loss: { classWeights: [1, 2] } },
      [/^loss\.classWeights: /],
    ],
    ['a loss section that is not an object', { model: {}, loss: 3 }, ['loss: expected object, got 3']],
    [
      'problems in both sections at once',
      { model: { preset: 'huge', groups: 0 }, loss: { focalGamma: -2 } },
      [
        'model.preset: got "huge"; allowed: "paper", "cpu", "tiny"',
        'model.groups: got 0; must be >= 1',
        'loss.focalGamma: got -2; must be >= 0',
      ],
    ],
  ] as const)('refuses %s', (_what, sections, expected) => {
    const problems = problemsOf(sections as Parameters<typeof resolveTrainingConfig>[0]);
    expect(problems).toHaveLength(expected.length);
    for (const [i, e] of expected.entries())
      if (typeof e === 'string') expect(problems[i]).toBe(e);
      else expect(problems[i]).toMatch(e);
  });
});
