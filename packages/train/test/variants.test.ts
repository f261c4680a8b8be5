import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainingModel, train } from '../src/index.js';
import { tinyCohort, tinyConfig } from './support/cohort.js';

let cohort: { dir: string; manifest: string };
beforeAll(async () => {
  cohort = await tinyCohort(6, 5);
});

describe('every ablation variant trains', () => {
  it.each([
    ['joint', 2],
    ['segmentation-only', 2],
    ['classification-only', 1],
    ['joint-without-task-aware', 2],
    ['joint-without-cross-stitch', 2],
  ] as const)('%s (%i learning-rate groups)', async (variant, groups) => {
    const base = tinyConfig(cohort.manifest, join(cohort.dir, `run-${variant}`));
    const bestMetric = variant === 'segmentation-only' ? 'dice' : 'accuracy';
    const config = {
      ...base,
      model: { ...base.model, variant },
      training: { ...base.training, epochs: 1, bestMetric },
    } as const;
    const model = await resolveTrainingModel(config);
    const optimizer = model.spec.optimizer(model.config, config.optimizer);
    expect(optimizer.baseLearningRates).toHaveLength(groups);
    expect(optimizer.config.groups ?? []).toHaveLength(groups - 1);
    const r = await train(config, { progress: { style: 'off' } });
    try {
      expect(r.status).toBe('completed');
      expect(r.steps).toBe(3);
      expect(r.network.model.learningRates()).toHaveLength(groups);
      // validation ran and picked a best checkpoint on a finite metric
      expect(r.best?.metric).toBe(bestMetric);
      expect(Number.isFinite(r.best?.value)).toBe(true);
    } finally {
      r.network.model.dispose();
    }
  });
});
