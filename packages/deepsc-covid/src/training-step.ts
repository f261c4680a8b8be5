/**
 * One training step of DeepSC-COVID: native forward with the task-aware loss inside the graph
 * (graph-loss.ts; the batch's labels, masks and per-batch factors fed as inputs), native
 * backward from that loss, native optimizer step; only the loss's scalars come back to the
 * host. The same on the CPU and on CUDA.
 * @module
 */
import type { StepReport, Tensor } from '@deepsc/core';
import {
  graphLossInputs,
  graphLossOutputs,
  readGraphLoss,
  type TaskAwareLossResult,
} from './graph-loss-inputs.js';
import type { DeepScCovidNetwork } from './network.js';
import { type PatchRegion, regionInputs } from './region.js';
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
 * Runs forward with the loss, backward and one optimizer step.
 * @param options - `step` (default true), `gradients` (default `overwrite`) and `syncGradients`
 *   (default true): {@link TrainingStepOptions}.
 * @returns the loss with its terms (as compiled into the graph: `DeepScCovidNetwork.lossOptions`),
 *   and the optimizer's report when stepped.
 * @throws TypeError for a network without a loss (`infer` mode) or a batch that lacks what the
 *   variant needs; RangeError for a wrong number of labels or mask flags, a label that is not a
 *   class index or a mask of the wrong size (`graphLossInputs`); rejects with the engine's errors.
 */
export async function trainingStep(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
  options: TrainingStepOptions = {},
): Promise<{ loss: TaskAwareLossResult; report?: StepReport }> {
  if (!net.lossOptions)
    throw new TypeError("trainingStep: the network has no loss; create it in 'train' mode");
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
