/**
 * A compiled DeepSC-COVID: the configuration with its graph, ready for training steps,
 * inference and weight exchange with PyTorch (parameter names are the twin's state-dict names).
 * @module
 */
import {
  type CompiledModel,
  type Device,
  GraphBuilder,
  type MemoryPlanOptions,
  type OptimizerConfig,
} from '@deepsc/core';
import { type DeepScCovidConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { buildDeepScCovid, OUTPUT_NAMES } from './deepsc-covid.js';
import { buildGraphLoss } from './graph-loss.js';
import { paperOptimizer } from './optimizer-groups.js';
import type { TaskAwareLossOptions } from './task-aware-loss.js';
import { hasClassifier, hasSegmentation, isJoint } from './variant.js';

/**
 * Where a training step computes the task-aware loss:
 * - `host`: in TypeScript (float64) on the outputs copied to the host, its gradients copied
 *   back as seeds of the backward pass (task-aware-loss.ts);
 * - `graph`: inside the compiled graph from the engine's loss ops (graph-loss.ts), so the step
 *   stays on the device and only the loss's scalars come back.
 */
export type LossPath = 'host' | 'graph';

/** A compiled network and its resolved configuration. */
export interface DeepScCovidNetwork {
  /** The validated configuration with its strides and grids. */
  config: ResolvedConfig;
  /** The compiled graph: parameters by name, save / load, memory. */
  model: CompiledModel;
  /** Outputs the host loss seeds in `train` mode with `loss: 'host'` (none with `graph`). */
  seedOutputs: readonly string[];
  /** Where `trainingStep` computes the loss (`host` for an `infer` network: it has none). */
  loss: LossPath;
  /** The loss options compiled into the graph (`loss: 'graph'` only). */
  lossOptions?: Readonly<Required<TaskAwareLossOptions>>;
}

/** Options of {@link createDeepScCovid}. */
export interface CreateNetworkOptions {
  /** Parameter initialisation seed; default 0. */
  seed?: number;
  /** `train` (default): backward planned, outputs seeded by the loss; `infer`: forward only. */
  mode?: 'train' | 'infer';
  /** Default `cpu`. */
  device?: Device;
  /**
   * Default: Adam (0.9, 0.999) with the paper's two learning rates, 2e-3 (stems, classifier) and
   * 5e-3 (lesion subnet, cross-stitch). Pass `null` for none.
   */
  optimizer?: OptimizerConfig | null;
  /** Share parameters with another network of the same variant and widths (e.g. inference at another size). */
  shareParametersWith?: DeepScCovidNetwork;
  /**
   * Where training steps compute the task-aware loss ({@link LossPath}; `train` mode only).
   * Default: `graph` on `cuda` (the loss on the host cost 186 ms of a 269 ms step on an H200
   * at the paper's sizes), `host` on `cpu` (the path every CPU test, fixture and checkpoint
   * was made with; on the CPU the two cost about the same).
   */
  loss?: LossPath;
  /**
   * The loss's weights and constants compiled into the graph (`loss: 'graph'` only; with
   * `host` they are passed to each `trainingStep`). Default: the published ones
   * (`TASK_AWARE_DEFAULTS`).
   */
  lossOptions?: TaskAwareLossOptions;
  /**
   * How activation memory is planned (`MemoryPlanOptions`): e.g. `{ recompute: ['lesion.enc1'] }`
   * recomputes that segment in the backward pass (`train` mode only). Default: declared
   * backward reads and in-place elementwise ops, no recomputation.
   */
  memoryPlan?: MemoryPlanOptions;
}

/** Names of the outputs the loss reads (and seeds) for a variant. */
export function lossOutputs(c: ResolvedConfig): string[] {
  const names: string[] = [];
  if (hasClassifier(c.variant)) names.push(OUTPUT_NAMES.logits);
  if (hasSegmentation(c.variant)) names.push(OUTPUT_NAMES.segLogits);
  if (isJoint(c.variant)) names.push(...OUTPUT_NAMES.sides, ...OUTPUT_NAMES.evidenceInPatch);
  return names;
}

/**
 * Builds and compiles DeepSC-COVID for `config`.
 * @throws RangeError for an invalid configuration (see `resolveConfig`) or loss option (see
 *   `buildGraphLoss`); TypeError for a `loss` other than `host` / `graph`, or `lossOptions`
 *   without `loss: 'graph'` in `train` mode; errors of `compile`.
 */
export function createDeepScCovid(
  config: DeepScCovidConfig,
  options: CreateNetworkOptions = {},
): DeepScCovidNetwork {
  const c = resolveConfig(config);
  const g = new GraphBuilder({ seed: options.seed ?? 0 });
  const values = buildDeepScCovid(g, c);
  const mode = options.mode ?? 'train';
  const device = options.device ?? 'cpu';
  const requested = options.loss ?? (device === 'cuda' ? 'graph' : 'host');
  if (requested !== 'host' && requested !== 'graph')
    throw new TypeError(`createDeepScCovid: loss is '${String(requested)}', expected 'host' or 'graph'`);
  const loss: LossPath = mode === 'train' ? requested : 'host';
  if (options.lossOptions && loss !== 'graph')
    throw new TypeError(
      "createDeepScCovid: lossOptions are compiled into the graph only with loss: 'graph' in train mode; pass them to trainingStep for the host loss",
    );
  const lossOptions = loss === 'graph' ? buildGraphLoss(g, c, values, options.lossOptions) : undefined;
  const seedOutputs = mode === 'train' && loss === 'host' ? lossOutputs(c) : [];
  const optimizer =
    options.optimizer === undefined
      ? mode === 'train'
        ? paperOptimizer(c.variant)
        : undefined
      : options.optimizer;
  const model = g.compile({
    mode,
    device,
    seedOutputs,
    ...(options.memoryPlan ?? {}),
    ...(optimizer ? { optimizer } : {}),
    ...(options.shareParametersWith ? { shareParametersWith: options.shareParametersWith.model } : {}),
  });
  return { config: c, model, seedOutputs, loss, ...(lossOptions ? { lossOptions } : {}) };
}
