/**
 * `training.recompute`: the schema's default, and the check that turns a segment the network
 * does not have into a ConfigError naming the field (before a run writes anything).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { resolveTrainConfig } from '../src/config/load-config.js';
import { trainConfigSchema } from '../src/config/schema.js';
import { resolveTrainingModel, type TrainingModel } from '../src/config/training-model.js';
import { trainingMemoryPlan } from '../src/memory-plan.js';

// DeepSC-COVID's tiny preset, through the registry
let tiny: TrainingModel;
beforeAll(async () => {
  tiny = await resolveTrainingModel(
    resolveTrainConfig({ data: { manifest: 'm.json' }, model: { preset: 'tiny' } }),
  );
});

describe('training.recompute', () => {
  it('defaults to none', () => {
    const c = trainConfigSchema.parse({ data: { manifest: 'm.json' } });
    expect(c.training.recompute).toEqual([]);
  });

  it.each([
    { name: 'none: the default plan', recompute: [], want: {} },
    { name: 'one encoder level', recompute: ['lesion.enc1'], want: { recompute: ['lesion.enc1'] } },
    {
      name: 'stems and a classifier block',
      recompute: ['stem_whole', 'stem_patch', 'classifier.block1'],
      want: { recompute: ['stem_whole', 'stem_patch', 'classifier.block1'] },
    },
  ])('$name', ({ recompute, want }) => {
    expect(trainingMemoryPlan(tiny, recompute)).toEqual(want);
  });

  it.each([
    { name: 'a misspelt segment', recompute: ['lesion.enc9'], fragment: "'lesion.enc9'" },
    { name: 'a partial name', recompute: ['lesion.en'], fragment: "'lesion.en'" },
  ])('$name is a ConfigError naming training.recompute', ({ recompute, fragment }) => {
    let err: unknown;
    try {
      trainingMemoryPlan(tiny, recompute, 'train.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('train.json');
    expect(msg).toContain('training.recompute');
    expect(msg).toContain(fragment);
  });

  it('the schema refuses an empty segment name', () => {
    const r = trainConfigSchema.safeParse({ data: { manifest: 'm.json' }, training: { recompute: [''] } });
    expect(r.success).toBe(false);
  });
});
