/**
 * The best-checkpoint and early-stopping handler: after each validation it compares
 * `training.bestMetric` with the best so far (lower is better for `loss`, higher for the rest);
 * a better value becomes the best (recorded in the training progress, so a resume knows it) and
 * is saved as the `best` checkpoint; otherwise it counts the validations since the best and
 * asks to stop after `training.earlyStopPatience` of them (0: never).
 * @module
 */
import type { TrainingProgress } from '../checkpoint.js';
import type { ValidationMetrics } from '../validate.js';

/** The metrics a best checkpoint is chosen by (`training.bestMetric`). */
export type BestMetric = 'accuracy' | 'auc' | 'dice' | 'loss';

/** Whether `a` is better than `b` for `metric`. */
export const better = (metric: string, a: number, b: number): boolean => (metric === 'loss' ? a < b : a > b);

export class BestCheckpointHandler {
  /** @param saveBest - saves the `best` checkpoint (after the progress records the new best). */
  constructor(
    private readonly metric: BestMetric,
    private readonly patience: number,
    private readonly saveBest: () => Promise<void>,
  ) {}

  /**
   * Takes one validation's metrics after `progress.epoch` epochs, updating `progress.best` and
   * `progress.sinceBest`. A metric the validation did not give (or NaN: no scan to score)
   * counts as no improvement.
   * @returns whether training should stop early.
   */
  async validated(progress: TrainingProgress, metrics: ValidationMetrics): Promise<boolean> {
    const value = metrics[this.metric];
    if (
      value !== undefined &&
      Number.isFinite(value) &&
      (!progress.best || better(this.metric, value, progress.best.value))
    ) {
      progress.best = { metric: this.metric, value, epoch: progress.epoch };
      progress.sinceBest = 0;
      await this.saveBest();
      return false;
    }
    progress.sinceBest++;
    return this.patience > 0 && progress.sinceBest >= this.patience;
  }
}
