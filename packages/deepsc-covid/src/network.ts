/**
 * A compiled DeepSC-COVID: the configuration with its graph, ready for training steps,
 * inference and weight exchange with PyTorch (parameter names are the twin's state-dict names).
 * @module
 */
import {
  type CompiledModel,
  type CompileOptions,
  type Device,
  GraphBuilder,
  type MemoryPlanOptions,
  type OptimizerConfig,
} from '@deepsc/core';
import { type DeepScCovidConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { buildDeepScCovid } from './deepsc-covid.js';
import { buildGraphLoss } from './graph-loss.js';
import type { TaskAwareLossOptions } from './loss-options.js';
import { paperOptimizer } from './optimizer-groups.js';

/** A compiled network and its resolved configuration. */
export interface DeepScCovidNetwork {
  /** The validated configuration with its strides and grids. */
  config: ResolvedConfig;
  /** The compiled graph: parameters by name, save / load, memory. */
  model: CompiledModel;
  /**
   * The task-aware loss's options compiled into the graph (`train` mode; an `infer` network
   * has no loss).
   */
  lossOptions?: Readonly<Required<TaskAwareLossOptions>>;
}

/** Options of {@link createDeepScCovid}. */
export interface CreateNetworkOptions {
  /** Parameter initialisation seed; default 0. */
  seed?: number;
  /** `train` (default): the task-aware loss in the graph, backward planned; `infer`: forward only. */
  mode?: 'train' | 'infer';
  /** Default `cpu`. */
  device?: Device;
  /** The precision of the matrix products (`CompileOptions.precision`); default `fp32`. */
  precision?: CompileOptions['precision'];
  /**
   * Default: Adam (0.9, 0.999) with the paper's two learning rates, 2e-3 (stems, classifier) and
   * 5e-3 (lesion subnet, cross-stitch). Pass `null` for none.
   */
  optimizer?: OptimizerConfig | null;
  /** Share parameters with another network of the same variant and widths (e.g. inference at another size). */
  shareParametersWith?: DeepScCovidNetwork;
  /**
   * The task-aware loss's weights and constants, compiled into the graph (`train` mode only).
   * Default: the published ones (`TASK_AWARE_DEFAULTS`).
   */
  lossOptions?: TaskAwareLossOptions;
  /**
   * How activation memory is planned (`MemoryPlanOptions`): e.g. `{ recompute: ['lesion.enc1'] }`
   * recomputes that segment in the backward pass (`train` mode only). Default: declared
   * backward reads and in-place elementwise ops, no recomputation.
   */
  memoryPlan?: MemoryPlanOptions;
}

/**
 * Builds and compiles DeepSC-COVID for `config`; in `train` mode with its task-aware loss in the
 * graph (graph-loss.ts), on either device.
 * @throws RangeError for an invalid configuration (see `resolveConfig`) or loss option (see
 *   `buildGraphLoss`); TypeError for `lossOptions` in `infer` mode (it has no loss); errors of
 *   `compile`.
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
  if (options.lossOptions && mode !== 'train')
    throw new TypeError(
      "createDeepScCovid: lossOptions are compiled into a training network only; an 'infer' network has no loss",
    );
  const lossOptions = mode === 'train' ? buildGraphLoss(g, c, values, options.lossOptions) : undefined;
  const optimizer =
    options.optimizer === undefined
      ? mode === 'train'
        ? paperOptimizer(c.variant)
        : undefined
      : options.optimizer;
  const model = g.compile({
    mode,
    device,
    ...(options.precision ? { precision: options.precision } : {}),
    ...(options.memoryPlan ?? {}),
    ...(optimizer ? { optimizer } : {}),
    ...(options.shareParametersWith ? { shareParametersWith: options.shareParametersWith.model } : {}),
  });
  return { config: c, model, ...(lossOptions ? { lossOptions } : {}) };
}
