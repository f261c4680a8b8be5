import { describe, expect, it } from 'vitest';
import { ProgressHandler } from '../../src/handlers/progress-report.js';
import type { ProgressUpdate } from '../../src/index.js';

describe('ProgressHandler', () => {
  it.each([
    ['a fresh run', 0, 1, 3, 4, { doneSteps: 4, remainingSteps: 3 * 5 - 3 }],
    ['a run resumed at step 12', 12, 2, 4, 15, { doneSteps: 3, remainingSteps: 2 * 5 - 4 }],
  ])('%s', (_, atStart, epoch, stepInEpoch, step, want) => {
    const updates: ProgressUpdate[] = [];
    let t = 1000;
    const h = new ProgressHandler(
      { update: (u) => void updates.push(u) },
      { epochs: 4, stepsPerEpoch: 5, accumulate: 2 },
      atStart,
      () => t,
    );
    t = 3500;
    h.stepCompleted(epoch, stepInEpoch, step, 0.25);
    expect(updates).toEqual([
      {
        epoch,
        epochs: 4,
        step: stepInEpoch,
        stepsPerEpoch: 5,
        loss: 0.25,
        elapsedMs: 2500,
        scansPerStep: 2,
        ...want,
      },
    ]);
  });
});
