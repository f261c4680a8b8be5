/**
 * One training step: forward with the loss in the graph, backward, optimizer step. Only the
 * loss's scalars come back to the host.
 * @module
 */
import type { ModelStepOptions, ModelStepResult, Tensor } from '@deepsc/core';
import { NAMES, type Unet3dInstance } from './network.js';
import type { PatchBatch } from './patch-batch.js';

/**
 * Runs one step on `batch`. Terms: `loss` (the deep-supervised total), `dice` (1 - soft Dice)
 * and `ce` at full resolution.
 * @throws (rejects) Error for a network built for inference; the engine's errors.
 */
export async function unet3dTrainingStep(
  net: Unet3dInstance,
  batch: PatchBatch,
  options: ModelStepOptions = {},
): Promise<ModelStepResult> {
  if (net.mode !== 'train') throw new Error('unet3d: trainingStep needs a network created with mode "train"');
  let outs: Record<string, Tensor> = {};
  try {
    outs = await net.model.forward(
      { [NAMES.image]: batch.image, [NAMES.target]: batch.target },
      { outputs: [NAMES.loss, NAMES.dice, NAMES.ce] },
    );
    const scalar = (n: string) => (outs[n] as Tensor).data[0] as number;
    const terms = { loss: scalar(NAMES.loss), dice: scalar(NAMES.dice), ce: scalar(NAMES.ce) };
    await net.model.backward(
      {},
      { gradients: options.gradients ?? 'overwrite', syncGradients: options.syncGradients ?? true },
    );
    const report = options.step === false ? undefined : await net.model.step();
    return { loss: terms.loss, terms, ...(report ? { report } : {}) };
  } finally {
    for (const t of Object.values(outs)) t.dispose();
  }
}
