/**
 * The progress handler: after each optimizer step, what the progress display shows (epoch,
 * step, the epoch's running loss, throughput and the steps left), counted from where this run
 * (or resume) started.
 * @module
 */
import type { Progress } from '../progress.js';

export class ProgressHandler {
  readonly #t0: number;

  /**
   * @param view - the display (rank 0's; `off` elsewhere).
   * @param stepsAtStart - steps already taken when this process started (a resume).
   * @param now - the clock, in ms (tests give their own).
   */
  constructor(
    private readonly view: Pick<Progress, 'update'>,
    private readonly run: { epochs: number; stepsPerEpoch: number; accumulate: number },
    private readonly stepsAtStart: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#t0 = now();
  }

  /** Reports the step that brought the run to `step` in all, `stepInEpoch` in epoch `epoch`. */
  stepCompleted(epoch: number, stepInEpoch: number, step: number, loss: number): void {
    const { epochs, stepsPerEpoch, accumulate } = this.run;
    this.view.update({
      epoch,
      epochs,
      step: stepInEpoch,
      stepsPerEpoch,
      loss,
      doneSteps: step - this.stepsAtStart,
      elapsedMs: this.now() - this.#t0,
      remainingSteps: (epochs - epoch) * stepsPerEpoch - stepInEpoch,
      scansPerStep: accumulate,
    });
  }
}
