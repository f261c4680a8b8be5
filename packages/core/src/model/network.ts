/**
 * A compiled DeepSC-COVID: the configuration with its graph, ready for training steps,
 * inference and weight exchange with PyTorch (parameter names are the twin's state-dict names).
 * @module
 */
import { GraphBuilder } from '../builder.js';
import type { Device } from '../device.js';
import type { CompiledModel } from '../model.js';
import type { OptimizerConfig } from '../optimizer.js';
import { type DeepScCovidConfig, type ResolvedConfig, resolveConfig, type Variant } from './config.js';
import { buildDeepScCovid, OUTPUT_NAMES } from './deepsc-covid.js';

/** A compiled network and its resolved configuration. */
export interface DeepScCovidNetwork {
  /** The validated configuration with its strides and grids. */
  config: ResolvedConfig;
  /** The compiled graph: parameters by name, save / load, memory. */
  model: CompiledModel;
  /** Outputs the loss seeds in `train` mode. */
  seedOutputs: readonly string[];
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
}

/**
 * The paper's optimizer: Adam (0.9, 0.999), lr 2e-3 for the stems and the classifier, 5e-3 for
 * the lesion subnet and the cross-stitch unit (one group when the variant has neither).
 */
export function paperOptimizer(variant: Variant = 'joint'): OptimizerConfig {
  const fast = (n: string) => n.startsWith('lesion.') || n.startsWith('cross_stitch.');
  return {
    kind: 'adam',
    lr: 2e-3,
    ...(variant === 'classification-only' ? {} : { groups: [{ params: fast, lr: 5e-3 }] }),
  };
}

/** Names of the outputs the loss reads (and seeds) for a variant. */
export function lossOutputs(c: ResolvedConfig): string[] {
  const names: string[] = [];
  if (c.variant !== 'segmentation-only') names.push(OUTPUT_NAMES.logits);
  if (c.variant !== 'classification-only') names.push(OUTPUT_NAMES.segLogits);
  if (c.variant === 'joint' || c.variant === 'joint-without-task-aware')
    names.push(...OUTPUT_NAMES.sides, ...OUTPUT_NAMES.evidenceInPatch);
  return names;
}

/**
 * Builds and compiles DeepSC-COVID for `config`.
 * @throws RangeError for an invalid configuration (see `resolveConfig`); errors of `compile`.
 */
export function createDeepScCovid(
  config: DeepScCovidConfig,
  options: CreateNetworkOptions = {},
): DeepScCovidNetwork {
  const c = resolveConfig(config);
  const g = new GraphBuilder({ seed: options.seed ?? 0 });
  buildDeepScCovid(g, c);
  const mode = options.mode ?? 'train';
  const seedOutputs = mode === 'train' ? lossOutputs(c) : [];
  const optimizer =
    options.optimizer === undefined
      ? mode === 'train'
        ? paperOptimizer(c.variant)
        : undefined
      : options.optimizer;
  const model = g.compile({
    mode,
    device: options.device ?? 'cpu',
    seedOutputs,
    ...(optimizer ? { optimizer } : {}),
    ...(options.shareParametersWith ? { shareParametersWith: options.shareParametersWith.model } : {}),
  });
  return { config: c, model, seedOutputs };
}
