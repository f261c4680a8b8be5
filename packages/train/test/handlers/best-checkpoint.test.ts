import { describe, expect, it } from 'vitest';
import { BestCheckpointHandler, type BestMetric } from '../../src/handlers/best-checkpoint.js';
import type { TrainingProgress, ValidationMetrics } from '../../src/index.js';

/** Feeds `values` of `metric` (one validation per epoch) and says what happened after each. */
async function feed(metric: BestMetric, patience: number, values: (number | undefined)[]) {
  const progress: TrainingProgress = { epoch: 0, stepInEpoch: 0, step: 0, best: null, sinceBest: 0 };
  const saved: number[] = [];
  const h = new BestCheckpointHandler(metric, patience, async () => void saved.push(progress.epoch));
  const stops: boolean[] = [];
  for (const v of values) {
    progress.epoch++;
    const m: ValidationMetrics = { scans: 1, ...(v === undefined ? {} : { [metric]: v }) };
    stops.push(await h.validated(progress, m));
  }
  return { progress, saved, stops };
}

describe('BestCheckpointHandler', () => {
  it.each([
    ['accuracy: higher is better', 'accuracy', [0.5, 0.7, 0.6, 0.8], [1, 2, 4], { value: 0.8, epoch: 4 }, 0],
    ['loss: lower is better', 'loss', [0.9, 0.5, 0.7, 0.6], [1, 2], { value: 0.5, epoch: 2 }, 2],
    ['an equal value is no improvement', 'dice', [0.5, 0.5], [1], { value: 0.5, epoch: 1 }, 1],
    ['NaN is no improvement', 'auc', [Number.NaN, 0.6, Number.NaN], [2], { value: 0.6, epoch: 2 }, 1],
    ['a metric the model does not give is no improvement', 'dice', [undefined, undefined], [], null, 2],
  ] as const)('%s', async (_, metric, values, saved, best, sinceBest) => {
    const r = await feed(metric, 0, [...values]);
    expect(r.saved).toEqual(saved);
    expect(r.progress.best).toEqual(best ? { metric, ...best } : null);
    expect(r.progress.sinceBest).toBe(sinceBest);
    expect(r.stops.every((s) => !s)).toBe(true); // patience 0: never stops
  });

  it.each([
    [1, [0.5, 0.4], [false, true]],
    [2, [0.5, 0.4, 0.6, 0.5, 0.5], [false, false, false, false, true]],
    [3, [0.5, 0.4, 0.4], [false, false, false]],
  ])('patience %i stops after that many validations without a better one', async (p, values, stops) => {
    expect((await feed('accuracy', p, values)).stops).toEqual(stops);
  });
});
