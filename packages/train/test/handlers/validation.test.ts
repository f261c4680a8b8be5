import { describe, expect, it } from 'vitest';
import { ValidationHandler, validationLine } from '../../src/handlers/validation.js';
import type { MetricRecord, ValidationMetrics } from '../../src/index.js';

const run = (metrics: ValidationMetrics | undefined, every: number, epochs = 5) => {
  const records: MetricRecord[] = [];
  const lines: string[] = [];
  let calls = 0;
  const h = new ValidationHandler(
    metrics
      ? async () => {
          calls++;
          return metrics;
        }
      : undefined,
    every,
    epochs,
    { write: async (r) => void records.push(r) },
    (l) => void lines.push(l),
  );
  return { h, records, lines, calls: () => calls };
};

const both: ValidationMetrics = { scans: 4, accuracy: 0.75, auc: 0.8125, loss: 0.5, dice: 0.6 };

describe('ValidationHandler', () => {
  it.each([
    ['every epoch', 1, [1, 2, 3, 4, 5]],
    ['every 2 epochs, and after the last', 2, [2, 4, 5]],
    ['never (0)', 0, []],
  ])('validates %s', async (_, every, want) => {
    const r = run(both, every);
    const done: number[] = [];
    for (let e = 1; e <= 5; e++) if (await r.h.epochCompleted(e, e * 10)) done.push(e);
    expect(done).toEqual(want);
    expect(r.calls()).toBe(want.length);
    expect(r.records.map((x) => x.epoch)).toEqual(want);
  });

  it('never without a validation split', async () => {
    const r = run(undefined, 1);
    expect(r.h.due(1)).toBe(false);
    await expect(r.h.epochCompleted(1, 1)).resolves.toBeUndefined();
    expect(r.records).toEqual([]);
  });

  it.each([
    [
      'a classifier with segmentation',
      both,
      { accuracy: 0.75, auc: 0.8125, dice: 0.6, loss: 0.5 },
      'accuracy 0.750 auc 0.813 dice 0.600 loss 0.5000',
    ],
    ['segmentation only', { scans: 2, dice: 0.5 }, { dice: 0.5 }, 'dice 0.500'],
    [
      'a classifier only',
      { scans: 2, accuracy: 1, auc: 1, loss: 0.1 },
      { accuracy: 1, auc: 1, loss: 0.1 },
      'accuracy 1.000 auc 1.000 loss 0.1000',
    ],
  ])('writes and says only the metrics of %s', async (_, m, rec, line) => {
    const r = run(m, 1, 3);
    await r.h.epochCompleted(3, 30);
    expect(r.records).toEqual([{ epoch: 3, split: 'val', step: 30, ...rec }]);
    expect(r.lines).toEqual([`epoch 3/3 val: ${line}`]);
    expect(validationLine(3, 3, m)).toBe(`epoch 3/3 val: ${line}`);
  });
});
