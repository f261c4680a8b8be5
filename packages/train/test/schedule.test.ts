import { describe, expect, it } from 'vitest';
import { epochOrder, type ScheduleConfig, scheduleFactor } from '../src/index.js';

const s = (o: Partial<ScheduleConfig>): ScheduleConfig => ({
  kind: 'step',
  stepEpochs: 20,
  gamma: 0.5,
  power: 0.9,
  minFactor: 0,
  warmupEpochs: 0,
  ...o,
});

describe('scheduleFactor', () => {
  it.each([
    ['step at 0', s({}), 0, 1],
    ['step at 19.9', s({}), 19.9, 1],
    ['step at 20 (halved as published)', s({}), 20, 0.5],
    ['step at 45', s({}), 45, 0.25],
    ['cosine at 0', s({ kind: 'cosine' }), 0, 1],
    ['cosine at half', s({ kind: 'cosine' }), 50, 0.5],
    ['cosine at the end', s({ kind: 'cosine' }), 100, 0],
    ['cosine floor', s({ kind: 'cosine', minFactor: 0.1 }), 100, 0.1],
    ['poly at half', s({ kind: 'poly' }), 50, 0.5 ** 0.9],
    ['constant', s({ kind: 'constant' }), 77, 1],
    ['warm-up counts the step taken', s({ kind: 'constant', warmupEpochs: 2 }), 0, 0.25],
    ['warm-up half way', s({ kind: 'constant', warmupEpochs: 2 }), 0.5, 0.5],
    ['after warm-up', s({ kind: 'constant', warmupEpochs: 2 }), 2, 1],
  ])('%s', (_w, cfg, epoch, want) => {
    expect(scheduleFactor(cfg, epoch, 100, 2)).toBeCloseTo(want, 12);
  });

  it.each([
    [-1, 100, /epoch must be >= 0/],
    [0, 0, /totalEpochs must be > 0/],
  ])('rejects epoch %d of %d', (e, t, m) => {
    expect(() => scheduleFactor(s({}), e, t)).toThrow(m);
  });
});

describe('epochOrder', () => {
  it('is a seeded permutation, repeated to fill the epoch', () => {
    const a = epochOrder(1, 0, 5, 5);
    expect([...a].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(epochOrder(1, 0, 5, 5)).toEqual(a);
    expect(epochOrder(1, 1, 5, 5)).not.toEqual(a);
    const long = epochOrder(1, 0, 3, 7);
    expect(long).toHaveLength(7);
    expect([...long.slice(0, 3)].sort()).toEqual([0, 1, 2]);
  });
});
