/**
 * A training run whose state stopped being finite numbers: the loss, the gradients, the
 * parameters or the optimizer's buffers hold NaN or an infinity. The run stops there, naming
 * the step and the tensors; nothing non-finite is written, so the last checkpoint on disk is
 * the last good state.
 * @module
 */

/** Where a run stands, for the message (0-based epoch, steps taken within it). */
export interface DivergedAt {
  epoch: number;
  stepInEpoch: number;
  step: number;
}

/** What turned non-finite. */
export type DivergedWhat = 'loss' | 'gradients' | 'parameters' | 'optimizer state';

/** Tensors named in the message before "and N more". */
const SHOWN = 3;

/** The run diverged; `what` says where it was seen and `names` the tensors (or terms). */
export class DivergedError extends Error {
  /**
   * @param at - the position: the step in flight for `loss` / `gradients`, the steps taken for the others.
   * @param detail - what was being done (`not saving <dir>`) or the value seen.
   */
  constructor(
    readonly at: DivergedAt,
    readonly what: DivergedWhat,
    readonly names: readonly string[],
    detail: string,
  ) {
    const shown = names
      .slice(0, SHOWN)
      .map((n) => `'${n}'`)
      .join(', ');
    const more = names.length > SHOWN ? ` and ${names.length - SHOWN} more` : '';
    super(
      `training diverged at epoch ${at.epoch + 1}, step ${at.stepInEpoch} (step ${at.step} in all): the ${what} ${names.length ? `${what === 'optimizer state' ? 'holds' : 'hold'} NaN or infinite values (${shown}${more})` : 'became non-finite'}; ${detail}. Nothing non-finite was written (checkpoints saved before this step stay as they were); lower optimizer.lr / segmentationLr or set optimizer.clipGradNorm`,
    );
    this.name = 'DivergedError';
  }
}
