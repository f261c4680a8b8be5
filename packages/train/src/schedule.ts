/**
 * Learning-rate schedules as pure functions of the (fractional) epoch, so a resumed run
 * recomputes exactly the rate an uninterrupted one would use.
 * @module
 */

/** Schedule settings (the config's `schedule` section). */
export interface ScheduleConfig {
  /** `step`: base x gamma^floor(epoch / stepEpochs) (the paper: halving every 20 epochs); `cosine`; `poly`; `constant`. */
  readonly kind: 'step' | 'cosine' | 'poly' | 'constant';
  /** Epochs between steps of `step`; default 20. */
  readonly stepEpochs: number;
  /** Factor of `step`; default 0.5. */
  readonly gamma: number;
  /** Exponent of `poly` ((1 - t)^power, nnU-Net uses 0.9). */
  readonly power: number;
  /** Floor of `cosine` and `poly` as a fraction of the base rate. */
  readonly minFactor: number;
  /** Linear warm-up length in epochs (0: none). */
  readonly warmupEpochs: number;
}

/**
 * The factor that multiplies each group's base learning rate at `epoch` (0-based, fractional
 * within an epoch: `e + step / stepsPerEpoch`) of a run of `totalEpochs`. Warm-up counts the
 * step being taken, so the first step of a warm-up does not run at rate 0.
 * @param stepsPerEpoch - optimizer steps per epoch, used by the warm-up only; default 1.
 * @throws RangeError for a negative epoch or a non-positive total.
 */
export function scheduleFactor(
  s: ScheduleConfig,
  epoch: number,
  totalEpochs: number,
  stepsPerEpoch = 1,
): number {
  if (!(epoch >= 0)) throw new RangeError(`schedule: epoch must be >= 0, got ${epoch}`);
  if (!(totalEpochs > 0)) throw new RangeError(`schedule: totalEpochs must be > 0, got ${totalEpochs}`);
  const t = Math.min(1, epoch / totalEpochs);
  let f: number;
  switch (s.kind) {
    case 'constant':
      f = 1;
      break;
    case 'step':
      f = s.gamma ** Math.floor(epoch / s.stepEpochs);
      break;
    case 'cosine':
      f = s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * t));
      break;
    case 'poly':
      f = s.minFactor + (1 - s.minFactor) * (1 - t) ** s.power;
      break;
    default:
      throw new RangeError(
        `schedule: unknown kind '${String((s as { kind: unknown }).kind)}' (step, cosine, poly, constant)`,
      );
  }
  if (s.warmupEpochs > 0 && epoch < s.warmupEpochs)
    f *= Math.min(1, (epoch + 1 / stepsPerEpoch) / s.warmupEpochs);
  return f;
}
