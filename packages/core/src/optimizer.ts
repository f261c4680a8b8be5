/**
 * Optimizer configuration as users write it (PyTorch's vocabulary), and its resolution into
 * the engine's explicit parameter groups. The update rules run natively; see
 * `native/src/graph/{sgd,adam}.cpp`.
 * @module
 */
import type { NativeOptimizerConfig, NativeParamGroup } from '@deepsc/native';

/** Which parameters a group takes: exact names, or a predicate over names. */
export type ParamSelector = readonly string[] | ((name: string) => boolean);

/**
 * PyTorch's defaults of `torch.optim.SGD`, `Adam` and `AdamW`: what the engine applies to a
 * hyper-parameter left out (`native/src/binding/graph.cpp`; `test/optimizer-defaults.test.ts`
 * checks that it does exactly this), and the only place TypeScript writes them.
 */
export const optimizerDefaults = Object.freeze({
  /** Learning rate of Adam and AdamW; SGD has none (required, as in PyTorch). */
  lr: Object.freeze({ adam: 1e-3, adamw: 1e-3 }),
  /** SGD/Adam: L2 penalty added to the gradient; AdamW: decoupled decay. */
  weightDecay: Object.freeze({ sgd: 0, adam: 0, adamw: 1e-2 }),
  /** SGD. */
  momentum: 0,
  /** SGD. */
  dampening: 0,
  /** SGD. */
  nesterov: false,
  /** Adam/AdamW: the coefficients of the running averages of the gradient and its square. */
  betas: Object.freeze([0.9, 0.999] as const),
  /** Adam/AdamW: the term added to the denominator. */
  eps: 1e-8,
});

/**
 * Hyper-parameters; any left out take the optimizer's top-level value, then PyTorch's default
 * ({@link optimizerDefaults}).
 */
export interface HyperParams {
  /** Learning rate. Adam/AdamW default `optimizerDefaults.lr`; SGD has none (required, as in PyTorch). */
  lr?: number;
  /** SGD/Adam: L2 penalty added to the gradient; AdamW: decoupled decay. Default `optimizerDefaults.weightDecay[kind]`. */
  weightDecay?: number;
  /** SGD momentum; default `optimizerDefaults.momentum`. */
  momentum?: number;
  /** SGD dampening; default `optimizerDefaults.dampening`. */
  dampening?: number;
  /** SGD Nesterov momentum (needs momentum > 0 and dampening 0); default `optimizerDefaults.nesterov`. */
  nesterov?: boolean;
  /** Adam/AdamW coefficients of the running averages; default `optimizerDefaults.betas`. */
  betas?: readonly [number, number];
  /** Adam/AdamW term added to the denominator; default `optimizerDefaults.eps`. */
  eps?: number;
}

/** A parameter group: which parameters, with which hyper-parameters. */
export interface ParamGroupConfig extends HyperParams {
  params: ParamSelector;
}

/**
 * An optimizer. Top-level hyper-parameters are the defaults of every group. `groups` are
 * matched in order (a parameter joins the first group that selects it); trainable parameters
 * no group selects form one more, last group with the defaults. Frozen parameters
 * (`trainable: false`) are never optimised.
 *
 * @example The paper's setup (Adam, lr 5e-3 for the lesion subnet and the cross-stitch units, 2e-3 elsewhere):
 * { kind: 'adam', lr: 2e-3,
 *   groups: [{ params: (n) => n.startsWith('lesion.') || n.startsWith('cross_stitch.'), lr: 5e-3 }] }
 */
export interface OptimizerConfig extends HyperParams {
  /** `sgd` (torch.optim.SGD), `adam` (torch.optim.Adam) or `adamw` (torch.optim.AdamW). */
  kind: 'sgd' | 'adam' | 'adamw';
  groups?: readonly ParamGroupConfig[];
  /** Clip the global L2 norm of all gradients to this before each step (torch.nn.utils.clip_grad_norm_); default off. */
  clipGradNorm?: number;
}

const hyper = (h: HyperParams): Omit<NativeParamGroup, 'params' | 'lr'> & { lr?: number } => {
  const out: Omit<NativeParamGroup, 'params' | 'lr'> & { lr?: number } = {};
  if (h.lr !== undefined) out.lr = h.lr;
  if (h.weightDecay !== undefined) out.weightDecay = h.weightDecay;
  if (h.momentum !== undefined) out.momentum = h.momentum;
  if (h.dampening !== undefined) out.dampening = h.dampening;
  if (h.nesterov !== undefined) out.nesterov = h.nesterov;
  if (h.betas !== undefined) out.betas = h.betas;
  if (h.eps !== undefined) out.eps = h.eps;
  return out;
};

/**
 * Resolves `config` against the model's trainable parameter names.
 * @returns the engine's configuration and, per group, the names it holds.
 * @throws TypeError when a group names an unknown or frozen parameter, or selects nothing;
 *   RangeError when SGD has no learning rate.
 */
export function resolveOptimizer(
  config: OptimizerConfig,
  trainable: readonly string[],
): NativeOptimizerConfig {
  const kinds = ['sgd', 'adam', 'adamw'];
  if (!kinds.includes(config.kind)) {
    throw new RangeError(`optimizer: kind is '${String(config.kind)}', expected 'sgd', 'adam' or 'adamw'`);
  }
  const known = new Set(trainable);
  const claimed = new Set<string>();
  const groups: NativeParamGroup[] = [];
  const defaults = hyper(config);
  const lrFor = (h: HyperParams, where: string) => {
    const lr = h.lr ?? config.lr ?? (config.kind === 'sgd' ? undefined : optimizerDefaults.lr[config.kind]);
    if (lr === undefined)
      throw new RangeError(`optimizer: ${where} needs a learning rate (SGD has no default), e.g. lr: 0.01`);
    return lr;
  };
  for (const [i, g] of (config.groups ?? []).entries()) {
    const names: string[] = [];
    if (typeof g.params === 'function') {
      for (const n of trainable) if (!claimed.has(n) && g.params(n)) names.push(n);
    } else {
      for (const n of g.params) {
        if (!known.has(n))
          throw new TypeError(`optimizer: group ${i} names '${n}', which is not a trainable parameter`);
        if (!claimed.has(n)) names.push(n);
      }
    }
    if (names.length === 0) throw new TypeError(`optimizer: group ${i} selects no trainable parameter`);
    for (const n of names) claimed.add(n);
    groups.push({ ...defaults, ...hyper(g), params: names, lr: lrFor(g, `group ${i}`) });
  }
  const rest = trainable.filter((n) => !claimed.has(n));
  if (rest.length > 0 || groups.length === 0)
    groups.push({ ...defaults, params: rest, lr: lrFor({}, 'the default group') });
  const out: NativeOptimizerConfig = { kind: config.kind, groups };
  if (config.clipGradNorm !== undefined) return { ...out, clipGradNorm: config.clipGradNorm };
  return out;
}
