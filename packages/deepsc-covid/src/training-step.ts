/**
 * One training step of DeepSC-COVID: native forward, the task-aware loss, native backward,
 * native optimizer step. The loss runs where the network was compiled to run it
 * (`DeepScCovidNetwork.loss`): in TypeScript on the copied-out outputs, its gradients seeding
 * the backward pass (`host`), or inside the graph, the batch's labels and masks fed as inputs
 * and only the loss's scalars read back (`graph`).
 * @module
 */
import { type StepReport, Tensor } from '@deepsc/core';
import {
  checkCompiledLossOptions,
  graphLossInputs,
  graphLossOutputs,
  readGraphLoss,
} from './graph-loss-inputs.js';
import type { DeepScCovidNetwork } from './network.js';
import { type PatchRegion, regionInputs } from './region.js';
import {
  type LossArray,
  type TaskAwareLossOptions,
  type TaskAwareLossResult,
  taskAwareLoss,
} from './task-aware-loss.js';
import { hasClassifier, hasSegmentation, isJoint } from './variant.js';

/** One batch (N = config.batch samples). Volumes are `[N, 1, D, H, W]` tensors. */
export interface TrainingBatch {
  /** Whole scans `[N, 1, ...wholeSize]` (variants with a classifier). */
  whole?: Tensor;
  /** Patches `[N, 1, ...patchSize]` (variants with segmentation). */
  patch?: Tensor;
  /** Where the patches lie in the whole scans (joint variants); one region for the batch. */
  region?: PatchRegion;
  /** Class index per sample (0 COVID-19, 1 CAP, 2 non-pneumonia). */
  labels?: readonly number[];
  /** Lesion masks `[N, 1, ...patchSize]` (values 0/1). */
  lesionMask?: Tensor;
  /** Lung masks `[N, 1, ...patchSize]`; default all ones. */
  lungMask?: Tensor;
  /** Per sample 1 when its lesion mask is known; default all 1 when `lesionMask` is given. */
  hasMask?: readonly number[];
}

/** The network's inputs for a batch (region tensors are created here; the caller disposes the returned ones listed in `owned`). */
export function networkInputs(
  net: DeepScCovidNetwork,
  b: Pick<TrainingBatch, 'whole' | 'patch' | 'region'>,
): {
  inputs: Record<string, Tensor>;
  owned: Tensor[];
} {
  const c = net.config;
  const inputs: Record<string, Tensor> = {};
  const owned: Tensor[] = [];
  if (hasClassifier(c.variant)) {
    if (!b.whole) throw new TypeError(`variant ${c.variant} needs the whole scan ('whole')`);
    inputs.whole = b.whole;
  }
  if (hasSegmentation(c.variant)) {
    if (!b.patch) throw new TypeError(`variant ${c.variant} needs a patch ('patch')`);
    inputs.patch = b.patch;
  }
  if (isJoint(c.variant) && c.regionAxes.length > 0) {
    if (!b.region)
      throw new TypeError(`variant ${c.variant} needs the patch's region in the whole scan ('region')`);
    for (const [k, t] of Object.entries(regionInputs(c, b.region))) {
      inputs[k] = t;
      owned.push(t);
    }
  }
  return { inputs, owned };
}

const arr = (t: Tensor | undefined): LossArray | undefined =>
  t ? { data: t.data, shape: t.shape } : undefined;

/** Options of {@link trainingStep}. */
export interface TrainingStepOptions {
  /** `false` to stop after backward (gradients inspectable); default true. */
  step?: boolean;
  /**
   * `overwrite` (default) or `accumulate`: the batch is one micro-batch whose gradients are
   * added to the model's sums (`CompiledModel.backward`); pair it with `step: false` for all
   * micro-batches but the last. The step then uses the micro-batches' mean gradient, which for
   * k micro-batches of N samples is the step of one batch of k N samples (up to float
   * rounding) when every micro-batch has the same number of samples with a lesion mask (the
   * segmentation loss is a mean over those samples).
   */
  gradients?: 'overwrite' | 'accumulate';
  /**
   * Whether this backward completes the step's gradients (default true): with data parallelism
   * (a gradient hook of `@deepsc/distributed` attached) they are then all-reduced over the ranks;
   * pass false on every accumulated micro-batch but the last (`CompiledModel.backward`).
   */
  syncGradients?: boolean;
}

/**
 * Runs forward, the loss, backward and one optimizer step. Both loss paths return the same
 * loss and terms (up to float32 rounding); with `graph` the result's `seeds` is empty.
 * @param loss - the loss's options (defaults `TASK_AWARE_DEFAULTS`). For a network with the
 *   loss in its graph they were compiled in: options given here must equal those (omitted ones
 *   are taken from the graph).
 * @param options - `step` (default true), `gradients` (default `overwrite`) and `syncGradients`
 *   (default true): {@link TrainingStepOptions}.
 * @returns the loss with its terms, and the optimizer's report when stepped.
 * @throws TypeError when the batch lacks what the variant needs; RangeError for an invalid loss
 *   option or, with the loss in the graph, one that differs from the compiled one; rejects with
 *   the engine's errors.
 */
export async function trainingStep(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
  loss: TaskAwareLossOptions = {},
  options: TrainingStepOptions = {},
): Promise<{ loss: TaskAwareLossResult; report?: StepReport }> {
  if (net.loss === 'graph') return graphStep(net, batch, loss, options);
  const { inputs, owned } = networkInputs(net, batch);
  const seeds: Record<string, Tensor> = {};
  let outs: Record<string, Tensor> = {};
  try {
    outs = await net.model.forward(inputs, { outputs: net.seedOutputs });
    const hasMask =
      batch.hasMask ?? (batch.lesionMask ? Array.from({ length: net.config.batch }, () => 1) : undefined);
    const sides = ['side1', 'side2', 'side3'].map((n) => arr(outs[n]));
    const ev = ['evidence1_patch', 'evidence2_patch', 'evidence3_patch'].map((n) => arr(outs[n]));
    const result = taskAwareLoss(
      net.config.variant,
      {
        ...(outs.logits ? { logits: arr(outs.logits) as LossArray } : {}),
        ...(batch.labels ? { labels: batch.labels } : {}),
        ...(outs.seg_logits ? { segLogits: arr(outs.seg_logits) as LossArray } : {}),
        ...(batch.lesionMask ? { lesionMask: batch.lesionMask.data } : {}),
        ...(batch.lungMask ? { lungMask: batch.lungMask.data } : {}),
        ...(hasMask ? { hasMask } : {}),
        ...(sides.every(Boolean) ? { sides: sides as [LossArray, LossArray, LossArray] } : {}),
        ...(ev.every(Boolean) ? { evidenceInPatch: ev as [LossArray, LossArray, LossArray] } : {}),
      },
      loss,
    );
    for (const name of net.seedOutputs) {
      const g = result.seeds[name];
      const o = outs[name] as Tensor;
      seeds[name] = g ? Tensor.from(g, o.shape) : Tensor.zeros(o.shape);
    }
    await net.model.backward(seeds, {
      gradients: options.gradients ?? 'overwrite',
      syncGradients: options.syncGradients ?? true,
    });
    const report = options.step === false ? undefined : await net.model.step();
    return { loss: result, ...(report ? { report } : {}) };
  } finally {
    for (const t of [...owned, ...Object.values(seeds), ...Object.values(outs)]) t.dispose();
  }
}

/** {@link trainingStep} with the loss in the graph: backward is seeded by the graph's loss. */
async function graphStep(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
  loss: TaskAwareLossOptions,
  options: TrainingStepOptions,
): Promise<{ loss: TaskAwareLossResult; report?: StepReport }> {
  checkCompiledLossOptions(net, loss);
  const { inputs, owned } = networkInputs(net, batch);
  let outs: Record<string, Tensor> = {};
  try {
    const feed = graphLossInputs(net, batch);
    owned.push(...feed.owned);
    outs = await net.model.forward({ ...inputs, ...feed.inputs }, { outputs: graphLossOutputs(net.config) });
    const result = readGraphLoss(outs);
    await net.model.backward(
      {},
      { gradients: options.gradients ?? 'overwrite', syncGradients: options.syncGradients ?? true },
    );
    const report = options.step === false ? undefined : await net.model.step();
    return { loss: result, ...(report ? { report } : {}) };
  } finally {
    for (const t of [...owned, ...Object.values(outs)]) t.dispose();
  }
}
