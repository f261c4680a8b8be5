/**
 * The validation handler: every `training.validateEvery` epochs (and after the last) it scores
 * the validation split with the model being trained, writes the `val` record of
 * `metrics.jsonl` and says the metrics in one line. Only the metrics the model's tasks give are
 * written (accuracy, AUC and loss for a classifier, Dice for segmentation).
 * @module
 */
import type { MetricsLog } from '../metrics-log.js';
import type { ValidationMetrics } from '../validate.js';

/** Validation metrics in a fixed order, as the line and the record show them. */
const ORDER = ['accuracy', 'auc', 'dice', 'loss'] as const;

/** `epoch 2/10 val: accuracy 0.800 auc 0.900 dice 0.612 loss 0.4410`, with the metrics present. */
export function validationLine(epoch: number, epochs: number, m: ValidationMetrics): string {
  const parts = ORDER.filter((k) => m[k] !== undefined).map(
    (k) => `${k} ${(m[k] as number).toFixed(k === 'loss' ? 4 : 3)}`,
  );
  return `epoch ${epoch}/${epochs} val: ${parts.join(' ')}`;
}

export class ValidationHandler {
  /**
   * @param score - scores the validation split (undefined: no validation split here, or not rank 0).
   * @param every - `training.validateEvery` (0: never).
   */
  constructor(
    private readonly score: (() => Promise<ValidationMetrics>) | undefined,
    private readonly every: number,
    private readonly epochs: number,
    private readonly log: Pick<MetricsLog, 'write'>,
    private readonly say: (line: string) => void,
  ) {}

  /** Whether validation runs after `epoch` epochs are complete. */
  due(epoch: number): boolean {
    return this.score !== undefined && this.every > 0 && (epoch % this.every === 0 || epoch === this.epochs);
  }

  /** Validates after `epoch` epochs (`step` steps): the metrics, or undefined when not {@link due}. */
  async epochCompleted(epoch: number, step: number): Promise<ValidationMetrics | undefined> {
    if (!this.score || !this.due(epoch)) return undefined;
    const m = await this.score();
    const rec: Record<string, number> = {};
    for (const k of ORDER) if (m[k] !== undefined) rec[k] = m[k] as number;
    await this.log.write({ epoch, split: 'val', step, ...rec });
    this.say(validationLine(epoch, this.epochs, m));
    return m;
  }
}
