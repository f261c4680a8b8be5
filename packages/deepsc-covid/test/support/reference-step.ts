/**
 * A training step with the float64 reference loss (task-aware-loss.ts) instead of the graph's:
 * the network compiled WITHOUT the loss in its graph, its loss outputs seeded by the
 * reference's analytic gradients (`CompiledModel.backward(seeds)`): the CPU's production path
 * until issue 13, kept here as what the graph loss is checked against (graph-loss.test.ts,
 * model-cuda-parity.test.ts).
 */
import { type Device, GraphBuilder, type OptimizerConfig, Tensor } from '@deepsc/core';
import { type DeepScCovidConfig, resolveConfig } from '../../src/config.js';
import { buildDeepScCovid, OUTPUT_NAMES } from '../../src/deepsc-covid.js';
import { graphLossInputs } from '../../src/graph-loss-inputs.js';
import type { TaskAwareLossOptions } from '../../src/loss-options.js';
import type { DeepScCovidNetwork } from '../../src/network.js';
import { paperOptimizer } from '../../src/optimizer-groups.js';
import { networkInputs, type TrainingBatch, type TrainingStepOptions } from '../../src/training-step.js';
import { hasClassifier, hasSegmentation, isJoint } from '../../src/variant.js';
import { type LossArray, type ReferenceLossResult, taskAwareLoss } from './task-aware-loss.js';

/** Names of the outputs the loss reads (and the reference seeds) for a variant. */
export function lossOutputs(c: DeepScCovidNetwork['config']): string[] {
  const names: string[] = [];
  if (hasClassifier(c.variant)) names.push(OUTPUT_NAMES.logits);
  if (hasSegmentation(c.variant)) names.push(OUTPUT_NAMES.segLogits);
  if (isJoint(c.variant)) names.push(...OUTPUT_NAMES.sides, ...OUTPUT_NAMES.evidenceInPatch);
  return names;
}

/**
 * DeepSC-COVID compiled for training with the loss outputs seeded from outside (no loss in the
 * graph: `lossOptions` absent); parameters from `seed` as `createDeepScCovid`'s (same builder,
 * same order), so the two start bitwise equal.
 */
export function createReferenceNetwork(
  config: DeepScCovidConfig,
  options: { seed?: number; device?: Device; optimizer?: OptimizerConfig | null } = {},
): DeepScCovidNetwork {
  const c = resolveConfig(config);
  const g = new GraphBuilder({ seed: options.seed ?? 0 });
  buildDeepScCovid(g, c);
  const optimizer = options.optimizer === undefined ? paperOptimizer(c.variant) : options.optimizer;
  const model = g.compile({
    mode: 'train',
    device: options.device ?? 'cpu',
    seedOutputs: lossOutputs(c),
    ...(optimizer ? { optimizer } : {}),
  });
  return { config: c, model };
}

/**
 * The loss outputs of any training network for `batch` (a network with the loss in its graph
 * is fed the loss's inputs too). The caller disposes the returned tensors.
 */
export async function forwardLossOutputs(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
): Promise<Record<string, Tensor>> {
  const { inputs, owned } = networkInputs(net, batch);
  try {
    if (net.lossOptions) {
      const feed = graphLossInputs(net, batch);
      owned.push(...feed.owned);
      Object.assign(inputs, feed.inputs);
    }
    return await net.model.forward(inputs, { outputs: lossOutputs(net.config) });
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** The float64 reference loss of `batch` on a forward's outputs (with the seeds of every output it reads). */
export function referenceLoss(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
  outs: Readonly<Record<string, Tensor>>,
  loss: TaskAwareLossOptions = {},
): ReferenceLossResult {
  const arr = (t: Tensor | undefined): LossArray | undefined =>
    t ? { data: t.data, shape: t.shape } : undefined;
  const hasMask =
    batch.hasMask ?? (batch.lesionMask ? Array.from({ length: net.config.batch }, () => 1) : undefined);
  const sides = OUTPUT_NAMES.sides.map((n) => arr(outs[n]));
  const ev = OUTPUT_NAMES.evidenceInPatch.map((n) => arr(outs[n]));
  return taskAwareLoss(
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
}

/**
 * Forward, the reference loss, backward from its seeds, and (unless `step: false`) the
 * optimizer's step, on a network from {@link createReferenceNetwork}.
 */
export async function referenceStep(
  net: DeepScCovidNetwork,
  batch: TrainingBatch,
  loss: TaskAwareLossOptions = {},
  options: TrainingStepOptions = {},
): Promise<{ loss: ReferenceLossResult }> {
  if (net.lossOptions) throw new TypeError('referenceStep: the network has the loss in its graph');
  const seeds: Record<string, Tensor> = {};
  const outs = await forwardLossOutputs(net, batch);
  try {
    const result = referenceLoss(net, batch, outs, loss);
    for (const name of lossOutputs(net.config)) {
      const g = result.seeds[name];
      const o = outs[name] as Tensor;
      seeds[name] = g ? Tensor.from(g, o.shape) : Tensor.zeros(o.shape);
    }
    await net.model.backward(seeds, {
      gradients: options.gradients ?? 'overwrite',
      syncGradients: options.syncGradients ?? true,
    });
    if (options.step !== false) await net.model.step();
    return { loss: result };
  } finally {
    for (const t of [...Object.values(seeds), ...Object.values(outs)]) t.dispose();
  }
}
