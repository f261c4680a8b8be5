/**
 * The learning-rate handler: before each optimizer step it sets every parameter group's rate to
 * the group's base rate (the model's {@link ModelOptimizer}) times the schedule's factor at the
 * step's fractional epoch; for the train record it reports the rates by group name.
 * @module
 */
import type { CompiledModel, ModelOptimizer } from '@deepsc/core';
import { type ScheduleConfig, scheduleFactor } from '../schedule.js';

export class LearningRateHandler {
  /**
   * @param model - what the rates are set on.
   * @param optimizer - the base rate and a name of each group, in group order.
   * @param stepsPerEpoch - optimizer steps per epoch (the schedule moves per step).
   */
  constructor(
    private readonly model: Pick<CompiledModel, 'setLearningRate'>,
    private readonly optimizer: Pick<ModelOptimizer, 'baseLearningRates' | 'groupNames'>,
    private readonly schedule: ScheduleConfig,
    private readonly epochs: number,
    private readonly stepsPerEpoch: number,
  ) {
    if (optimizer.groupNames.length !== optimizer.baseLearningRates.length)
      throw new RangeError(
        `learning rates: ${optimizer.baseLearningRates.length} base rates for ${optimizer.groupNames.length} group names`,
      );
  }

  #factor(epoch: number, stepInEpoch: number): number {
    return scheduleFactor(
      this.schedule,
      epoch + stepInEpoch / this.stepsPerEpoch,
      this.epochs,
      this.stepsPerEpoch,
    );
  }

  /** Sets the rates of step `stepInEpoch` (0-based) of epoch `epoch`, before its first micro-batch. */
  stepStarted(epoch: number, stepInEpoch: number): void {
    const f = this.#factor(epoch, stepInEpoch);
    for (const [g, base] of this.optimizer.baseLearningRates.entries())
      this.model.setLearningRate(base * f, g);
  }

  /** The rates step `stepInEpoch` (0-based) of epoch `epoch` ran with, by group name. */
  ratesAt(epoch: number, stepInEpoch: number): Record<string, number> {
    const f = this.#factor(epoch, stepInEpoch);
    const out: Record<string, number> = {};
    for (const [g, name] of this.optimizer.groupNames.entries())
      out[name] = (this.optimizer.baseLearningRates[g] as number) * f;
    return out;
  }
}
