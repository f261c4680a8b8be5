import { describe, expect, it } from 'vitest';
import { LearningRateHandler } from '../../src/handlers/learning-rate.js';
import type { ScheduleConfig } from '../../src/index.js';

const schedule = (kind: ScheduleConfig['kind'], extra: Partial<ScheduleConfig> = {}): ScheduleConfig => ({
  kind,
  stepEpochs: 1,
  gamma: 0.5,
  power: 0.9,
  minFactor: 0,
  warmupEpochs: 0,
  ...extra,
});

/** A model that records the rates set on it. */
const recorder = () => {
  const set: [number, number][] = [];
  return { set, model: { setLearningRate: (lr: number, g?: number) => void set.push([lr, g ?? 0]) } };
};

const two = { baseLearningRates: [5e-3, 2e-3], groupNames: ['segmentationLr', 'lr'] };

describe('LearningRateHandler', () => {
  it.each([
    ['constant, epoch 0 step 0', schedule('constant'), 0, 0, 1],
    ['step halves each epoch: epoch 2', schedule('step'), 2, 0, 0.25],
    ['step within an epoch keeps its factor', schedule('step'), 1, 3, 0.5],
    ['cosine half way', schedule('cosine'), 2, 0, 0.5],
    ['warm-up: first of 4 steps of a 1-epoch warm-up', schedule('constant', { warmupEpochs: 1 }), 0, 0, 0.25],
    ['warm-up: third step', schedule('constant', { warmupEpochs: 1 }), 0, 2, 0.75],
  ])('%s: every group at base x factor', (_, s, epoch, stepInEpoch, factor) => {
    const r = recorder();
    const h = new LearningRateHandler(r.model, two, s, 4, 4);
    h.stepStarted(epoch, stepInEpoch);
    expect(r.set).toEqual([
      [5e-3 * factor, 0],
      [2e-3 * factor, 1],
    ]);
    expect(h.ratesAt(epoch, stepInEpoch)).toEqual({ segmentationLr: 5e-3 * factor, lr: 2e-3 * factor });
  });

  it('one group', () => {
    const r = recorder();
    const h = new LearningRateHandler(
      r.model,
      { baseLearningRates: [1e-2], groupNames: ['lr'] },
      schedule('step'),
      3,
      2,
    );
    h.stepStarted(1, 1);
    expect(r.set).toEqual([[5e-3, 0]]);
    expect(h.ratesAt(1, 1)).toEqual({ lr: 5e-3 });
  });

  it('refuses rates and names that do not pair up', () => {
    expect(
      () =>
        new LearningRateHandler(
          recorder().model,
          { baseLearningRates: [1, 2], groupNames: ['lr'] },
          schedule('step'),
          1,
          1,
        ),
    ).toThrow('learning rates: 2 base rates for 1 group names');
  });
});
