import { describe, expect, it } from 'vitest';
import { TrainMetricsHandler } from '../../src/handlers/train-metrics.js';
import type { MetricRecord } from '../../src/index.js';

const logger = () => {
  const records: MetricRecord[] = [];
  return { records, log: { write: async (r: MetricRecord) => void records.push(r) } as never };
};

describe('TrainMetricsHandler', () => {
  it('one process: a step is the mean of its micro-batches, the record the mean of the steps', async () => {
    const l = logger();
    const h = new TrainMetricsHandler(l.log, false);
    // step 1: two micro-batches, the optimizer steps on the second
    h.microBatch({ loss: 2, ce: 1 }, 2);
    h.microBatch({ loss: 4, ce: 3 }, 2, 10);
    h.stepCompleted();
    expect(h.mean('loss')).toBe(3);
    // step 2
    h.microBatch({ loss: 1, ce: 1 }, 2);
    h.microBatch({ loss: 1, ce: 1 }, 2, 6);
    h.stepCompleted();
    expect(h.steps).toBe(2);
    expect(h.mean('loss')).toBe(2);
    await h.epochCompleted(1, 2, { lr: 0.01 });
    expect(l.records).toEqual([
      { epoch: 1, split: 'train', step: 2, loss: 2, ce: 1.5, gradNorm: 8, lr: 0.01 },
    ]);
  });

  it('several ranks: micro-batch terms wait for the agreed step sums; the norm does not', () => {
    const h = new TrainMetricsHandler(undefined, true);
    h.microBatch({ loss: 4 }, 4, 3);
    expect(h.takeStepSums()).toEqual({ loss: 1 });
    expect(h.takeStepSums()).toEqual({}); // taken once
    h.stepCompleted({ loss: 2.5 }); // all ranks' sum
    expect(h.partial()).toEqual({ sums: { gradNorm: 3, loss: 2.5 }, steps: 1 });
  });

  it('an interrupted epoch carries on from its partial sums', async () => {
    const l = logger();
    const first = new TrainMetricsHandler(l.log, false);
    first.microBatch({ loss: 3 }, 1, 1);
    first.stepCompleted();
    const resumed = new TrainMetricsHandler(l.log, false, first.partial());
    resumed.microBatch({ loss: 5 }, 1, 3);
    resumed.stepCompleted();
    await resumed.epochCompleted(1, 2, {});
    expect(l.records).toEqual([{ epoch: 1, split: 'train', step: 2, loss: 4, gradNorm: 2 }]);
  });

  it.each([
    ['no step in the epoch', new TrainMetricsHandler(logger().log, false)],
    [
      'a rank that writes no log',
      (() => {
        const h = new TrainMetricsHandler(undefined, false);
        h.microBatch({ loss: 1 }, 1);
        h.stepCompleted();
        return h;
      })(),
    ],
  ])('writes no record for %s', async (_, h) => {
    await expect(h.epochCompleted(1, 1, {})).resolves.toBeUndefined();
  });

  it('the mean before a step is NaN', () => {
    expect(new TrainMetricsHandler(undefined, false).mean('loss')).toBeNaN();
  });
});
