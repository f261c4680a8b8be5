/**
 * The train-metrics handler: the running sums of an epoch's loss terms, one record per epoch in
 * `metrics.jsonl`. A step's terms are the mean over its micro-batches (the large batch's loss);
 * with several ranks each rank sums its own micro-batches and the loop adds the sums the ranks
 * agreed on at the step's end. An epoch cut by an interrupt writes no record: its sums go into
 * the checkpoint ({@link TrainMetricsHandler.partial}) and the resumed epoch's record covers all
 * of it.
 * @module
 */
import type { MetricsLog } from '../metrics-log.js';

export class TrainMetricsHandler {
  #sums: Record<string, number>;
  #steps: number;
  /** This rank's part of the current step's terms (data parallelism), until {@link takeStepSums}. */
  #stepSums: Record<string, number> = {};

  /**
   * @param log - where epoch records go (rank 0), or undefined (the other ranks).
   * @param distributed - whether micro-batch terms wait for the ranks' agreement.
   * @param partial - the sums of the epoch's steps before an interrupt, from the checkpoint.
   */
  constructor(
    private readonly log: MetricsLog | undefined,
    private readonly distributed: boolean,
    partial?: { sums: Record<string, number>; steps: number },
  ) {
    this.#sums = { ...(partial?.sums ?? {}) };
    this.#steps = partial?.steps ?? 0;
  }

  /**
   * Adds one micro-batch's terms, each divided by `accumulate` (the step's mean), and the norm of
   * the step's gradient when the optimizer stepped (the same on every rank).
   */
  microBatch(terms: Readonly<Record<string, number>>, accumulate: number, gradNorm?: number): void {
    const into = this.distributed ? this.#stepSums : this.#sums;
    for (const [key, v] of Object.entries(terms)) into[key] = (into[key] ?? 0) + v / accumulate;
    if (gradNorm !== undefined) this.#sums.gradNorm = (this.#sums.gradNorm ?? 0) + gradNorm;
  }

  /** This rank's sums of the step (to agree on with the others); starts the next step's. */
  takeStepSums(): Record<string, number> {
    const s = this.#stepSums;
    this.#stepSums = {};
    return s;
  }

  /** Closes a step; `agreed`: the step's sums over all ranks (data parallelism). */
  stepCompleted(agreed?: Readonly<Record<string, number>>): void {
    for (const [key, v] of Object.entries(agreed ?? {})) this.#sums[key] = (this.#sums[key] ?? 0) + v;
    this.#steps++;
  }

  /** Steps summed in this epoch so far. */
  get steps(): number {
    return this.#steps;
  }

  /** The epoch's mean of `key` so far (NaN before a step). */
  mean(key: string): number {
    return (this.#sums[key] ?? 0) / this.#steps;
  }

  /** The sums so far, for a checkpoint written within the epoch. */
  partial(): { sums: Record<string, number>; steps: number } {
    return { sums: { ...this.#sums }, steps: this.#steps };
  }

  /**
   * Writes the epoch's record (means of every term, then `extra`: the learning rates) when
   * this rank writes the log and the epoch took a step.
   * @param epoch - the fractional epoch the record ends at.
   */
  async epochCompleted(epoch: number, step: number, extra: Readonly<Record<string, number>>): Promise<void> {
    if (!this.log || this.#steps === 0) return;
    const rec: Record<string, number> = {};
    for (const [key, v] of Object.entries(this.#sums)) rec[key] = v / this.#steps;
    await this.log.write({ epoch, split: 'train', step, ...rec, ...extra });
  }
}
