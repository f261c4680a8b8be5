/**
 * Types of the engine's compiled-graph interface (`NativeModel`) and of its tensor memory
 * functions. `@deepsc/core` wraps these in `GraphBuilder` and `CompiledModel`; use those.
 * @module
 */
import type { Attrs, RawTensor } from './binding.js';

/** Kinds of leaves. Inputs are fed at each forward; the others live outside the arena. */
export type LeafKind = 'input' | 'parameter' | 'constant' | 'state';

/** A leaf of a graph description. */
export interface LeafItem {
  kind: LeafKind;
  /** Unique among leaves; parameters and state use PyTorch's state-dict names. */
  name: string;
  shape: readonly number[];
  /** Parameters only; default true. Frozen parameters are saved but never updated. */
  trainable?: boolean;
  /** Initial data (required for parameters, constants and state; row-major, `shape`'s element count). */
  data?: Float32Array;
}

/** An op node of a graph description. Value ids count leaves and node outputs in item order. */
export interface NodeItem {
  kind: 'node';
  op: string;
  name: string;
  attrs: Attrs;
  /** Value ids in the op's input order; null for an absent optional input. */
  inputs: readonly (number | null)[];
  /** The ids its outputs get (checked against the engine's numbering). */
  outputs: readonly number[];
}

/** A whole graph as the builder hands it to the engine. */
export interface GraphDesc {
  items: readonly (LeafItem | NodeItem)[];
  outputs: readonly { name: string; value: number }[];
  /** Value id of the scalar loss, if any. */
  loss?: number;
}

/** One parameter group of a native optimizer configuration (PyTorch's `param_groups`). */
export interface NativeParamGroup {
  /** Parameter names (each in at most one group). */
  params: readonly string[];
  /** Learning rate. */
  lr: number;
  /** Default 0 (AdamW: 1e-2). */
  weightDecay?: number;
  /** SGD; default 0. */
  momentum?: number;
  /** SGD; default 0. */
  dampening?: number;
  /** SGD; default false. */
  nesterov?: boolean;
  /** Adam/AdamW; default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Adam/AdamW; default 1e-8. */
  eps?: number;
}

/** A native optimizer configuration. */
export interface NativeOptimizerConfig {
  kind: 'sgd' | 'adam' | 'adamw';
  groups: readonly NativeParamGroup[];
  /** > 0: clip the global L2 norm of all gradients to this (0 or absent: no clipping). */
  clipGradNorm?: number;
}

/** Options of `new NativeModel(desc, options)`. */
export interface NativeCompileOptions {
  /**
   * Default `cpu`. `cuda`: the arena, parameters and optimizer state live on the GPU; inputs,
   * outputs, reads and writes are copied. Throws (Error) without a CUDA build or a visible GPU,
   * or naming the graph's ops that have no CUDA kernel yet.
   */
  device?: 'cpu' | 'cuda';
  mode?: 'train' | 'infer';
  inputGradients?: readonly string[];
  seedOutputs?: readonly string[];
  /** `greedy` (default): greedy-by-size buffer reuse; `none`: one buffer per value (for comparison). */
  reuse?: 'greedy' | 'none';
  /**
   * Node-name prefixes of segments recomputed in the backward pass instead of kept (a node is
   * in segment `P` when its name is `P` or starts with `P.`); mode `train` only. TypeError for
   * a prefix that names no node, or a segment holding batch_norm in mode `train`.
   */
  recompute?: readonly string[];
  /** Default true: elementwise ops write over an input nothing reads afterwards (false: for comparison). */
  inPlace?: boolean;
  /**
   * Default true: a backward keeps alive only the inputs and outputs its op declares it reads;
   * false: all of them (the conservative plan, for comparison).
   */
  declaredReads?: boolean;
  /**
   * The precision of the matrix products: `fp32` (default); `tf32` / `bf16` round conv3d's
   * operands to TF32 / bfloat16 for the GPU's tensor cores (fp32 accumulation). Accepted only on
   * CUDA by an engine built with `DEEPSC_CUDA_LOWP` (`info().cudaPrecisions`); elsewhere `tf32`
   * and `bf16` are refused (RangeError naming the precision and the device), as is any other
   * name (RangeError) or a non-string (TypeError).
   */
  precision?: 'fp32' | 'tf32' | 'bf16';
  /**
   * The backward pass's node order: `auto` (default) plans `reverse-creation` and `memory` and
   * keeps the smaller arena (reverse creation on a tie); naming one plans only that one
   * (gradients are bitwise the same in both). RangeError for another name.
   */
  backwardOrder?: 'auto' | 'reverse-creation' | 'memory';
  /**
   * Recompute cheap values in the backward pass instead of keeping them
   * (src/graph/cheap_recompute.h): `auto` (default) plans with and without and keeps the
   * smaller arena; true / false force it. TypeError for anything else.
   */
  recomputeCheap?: boolean | 'auto';
  optimizer?: NativeOptimizerConfig;
}

/** Where a compiled model's arena peaks and what the planner saved. */
export interface NativeMemoryInfo {
  /** The arena's size. */
  arenaBytes: number;
  /** Bytes live at the peak step (the arena is this plus fragmentation). */
  peakLiveBytes: number;
  /** The peak step, e.g. "backward of node 'lesion.dec1.conv2'". */
  peakStep: string;
  /** The largest buffers live at the peak (at most 10), by what they hold. */
  largestAtPeak: { what: string; bytes: number }[];
  /** Nodes whose forward writes over its input, and concats whose inputs are computed in their place in the output (once per input). */
  inPlaceNodes: string[];
  /** Buffers in-place forwards did not need (their outputs; a concat's inputs). */
  inPlaceBytes: number;
  /**
   * Backwards that write an input's gradient over their output gradient (relu, sigmoid,
   * leaky_relu, mul_scalar, scale) or pass it through without a copy (add), as `node:input`.
   */
  inPlaceGradients: string[];
  /** Gradient buffers those backwards did not need. */
  inPlaceGradientBytes: number;
  /** Nodes whose forward runs again in the backward pass. */
  recomputedNodes: string[];
  /**
   * Arena without the `recompute` segments minus the arena with them (0 without `recompute`;
   * negative where the segments cost more than the cheap recomputation they displace saves).
   */
  recomputeSavedBytes: number;
  /**
   * The order the backward pass runs its nodes in: `reverse-creation` (the last created node
   * first) or `memory` (among the nodes whose output gradients are complete, the one that
   * frees the most memory first). The planner plans both and keeps the smaller arena (reverse
   * creation on a tie); the gradients are bitwise the same in both.
   */
  backwardOrder: 'reverse-creation' | 'memory';
  /**
   * Whether cheap values the backward reads are recomputed instead of kept (their nodes are
   * among `recomputedNodes`); planned with and without, the smaller arena kept.
   */
  recomputeCheap: boolean;
  /**
   * The arena of the reference choice (backward in reverse creation order, no cheap
   * recomputation), for comparison: `arenaBytes` when that choice was kept.
   */
  referenceArenaBytes: number;
}

/** What a compiled model reports about itself. */
export interface NativeModelInfo {
  /** The arena's size: the peak of activation, gradient and workspace memory. */
  arenaBytes: number;
  /** What the arena would take with one buffer per value (no reuse). */
  arenaBytesWithoutReuse: number;
  /** Parameters, constants and state. */
  persistentBytes: number;
  steps: number;
  forwardSteps: number;
  mode: 'train' | 'infer';
  /** Trainable parameters the loss does not reach (the optimizer skips them). */
  parametersWithoutGradient: string[];
  /** The plan's peak and what holds it. */
  memory: NativeMemoryInfo;
}

/** A leaf as the compiled model lists it. */
export interface NativeLeafInfo {
  name: string;
  kind: LeafKind;
  shape: number[];
  trainable: boolean;
}

/** What one optimizer step did. */
export interface StepReport {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Factor the gradients were multiplied by (1 when not clipped). */
  clipScale: number;
  /** Parameters updated (those with a gradient). */
  updated: number;
  /** Micro-batches whose mean gradient the step used (1 without accumulation). */
  microBatches: number;
}

/** An optimizer's state, for checkpoints with an exact resume. */
export interface OptimizerState {
  kind: 'sgd' | 'adam' | 'adamw';
  /** Learning rate per group. */
  lr: number[];
  /** Per parameter: updates received, and its buffers (`momentum_buffer`, or `exp_avg` and `exp_avg_sq`). */
  params: Record<string, { step: number; buffers: Record<string, RawTensor> }>;
}

/**
 * A compiled graph in the engine. All tensors returned are copies in counted native memory.
 * Validation errors (names, shapes, call order, busy) throw synchronously; failures while
 * running reject the promise. One run at a time: a call while one is pending throws.
 */
export interface NativeModelHandle {
  /** Arena and persistent sizes, step counts, mode, parameters without gradient. */
  info(): NativeModelInfo;
  /** Inputs, parameters, constants and state, in declaration order. */
  leaves(): NativeLeafInfo[];
  /** Validates and copies `inputs`, runs the forward pass, resolves with copies of `outputs` (default: all). */
  forward(
    inputs: Readonly<Record<string, RawTensor>>,
    outputs?: readonly string[],
    checkFinite?: boolean,
  ): Promise<Record<string, RawTensor>>;
  /**
   * Runs the backward pass of the last forward; `seeds` by output name for the model's seed
   * outputs. With `accumulate` true, then adds the trainable parameters' gradients into the
   * model's persistent sums (one micro-batch; the first copies). `syncGradients` (default true)
   * says whether this backward completes the step's gradients: with a gradient hook set they
   * are then handed to it as they become final (ignored without a hook).
   */
  backward(
    seeds?: Readonly<Record<string, RawTensor>>,
    accumulate?: boolean,
    syncGradients?: boolean,
  ): Promise<void>;
  /**
   * Sets a collective backend's gradient hook (a type-tagged External carrying a
   * `deepsc_gradient_hook`, see include/deepsc/gradient_hook.h), or removes it (null). Throws
   * TypeError for anything else or another hook ABI version; Error while busy.
   */
  setGradientHook(hook: object | null): void;
  /** One optimizer step: with the accumulated micro-batches' mean gradient when there are any, else the last backward's. */
  step(): Promise<StepReport>;
  /** forward + backward (loss only) + step in one call. */
  trainStep(
    inputs: Readonly<Record<string, RawTensor>>,
    outputs?: readonly string[],
    checkFinite?: boolean,
  ): Promise<{ outputs: Record<string, RawTensor>; report: StepReport }>;
  /**
   * A copy of a gradient: `current` (default), of a parameter or requested input from the last
   * backward; `accumulated`, the mean of a trainable parameter's accumulated micro-batches.
   */
  gradient(name: string, which?: 'current' | 'accumulated'): RawTensor;
  /** Forgets accumulated micro-batches and the last backward's gradients (PyTorch's `zero_grad`); the sums' buffers stay allocated. */
  zeroGradients(): void;
  /** A copy of a parameter, constant or state. */
  read(name: string): RawTensor;
  /** Names of the parameters and states holding NaN or an infinity (one reduction each on the model's device); empty when all are finite. */
  nonFiniteLeaves(): string[];
  /** Overwrites a parameter, constant or state (marks activations and gradients stale). */
  write(name: string, value: RawTensor): void;
  /** Sets the optimizer (fresh state). */
  setOptimizer(config: NativeOptimizerConfig): void;
  /** Sets one group's learning rate. */
  setLearningRate(group: number, lr: number): void;
  /** Learning rate per group. */
  learningRates(): number[];
  /** Copies of the optimizer's state. */
  optimizerState(): OptimizerState;
  /** Restores optimizer state (validated completely before anything changes). */
  setOptimizerState(state: OptimizerState): void;
  /** Frees the arena and (unshared) persistent tensors; idempotent; throws while busy. */
  dispose(): void;
  /** Whether a run is pending on this model or one sharing its parameters. */
  readonly busy: boolean;
  /** Micro-batches accumulated since the last step (0 when not accumulating). */
  readonly microBatches: number;
  /** Whether dispose() was called. */
  readonly disposed: boolean;
}

/** The `NativeModel` class: compiles on construction (throws on a bad graph). */
export type NativeModelConstructor = new (
  desc: GraphDesc,
  options: NativeCompileOptions,
  shareWith?: NativeModelHandle,
) => NativeModelHandle;

/** Live native bytes by category. */
export interface MemoryStats {
  /** Tensors handed to JS (allocTensor, model outputs, parameter copies). */
  tensors: number;
  /** Arenas of compiled models. */
  arenas: number;
  /** Parameters, constants and state of compiled models. */
  persistent: number;
  /** Optimizer state, and the sums of gradient accumulation. */
  optimizer: number;
}
