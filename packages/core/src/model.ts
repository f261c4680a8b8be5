/**
 * A compiled graph: async forward / backward / step running natively, parameters by name as
 * tensors, safetensors save and load with the graph's (PyTorch's) names and layouts.
 * @module
 */
import {
  type GraphDesc,
  loadBinding,
  type NativeCompileOptions,
  type NativeLeafInfo,
  type NativeMemoryInfo,
  type NativeModelHandle,
  type OptimizerState,
  type RawTensor,
  type StepReport,
} from '@deepsc/native';
import type { Device } from './device.js';
import { type OptimizerConfig, resolveOptimizer } from './optimizer.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { Tensor } from './tensor.js';

export type { OptimizerState, StepReport };

/**
 * Memory a compiled model holds, in bytes: the arena plan's peak and what holds it (the native
 * report), the arena without reuse for comparison, and the persistent bytes.
 */
export interface ModelMemory extends NativeMemoryInfo {
  /** What the arena would take with one buffer per value (no reuse). */
  arenaBytesWithoutReuse: number;
  /** Parameters, constants and state. */
  persistentBytes: number;
}

/** Options of {@link CompiledModel.forward} and {@link CompiledModel.trainStep}. */
export interface ForwardOptions {
  /** Outputs to copy out (default: all named outputs). */
  outputs?: readonly string[];
  /** Reject inputs holding NaN or infinity before running (costs one pass over the inputs); default false. */
  checkFinite?: boolean;
}

/** Options of {@link CompiledModel.backward}. */
export interface BackwardOptions {
  /**
   * `overwrite` (default): the gradients are this backward's alone. `accumulate`: this backward
   * is one micro-batch; its trainable parameters' gradients are also added to sums kept
   * outside the arena, so a forward may follow, and the next {@link CompiledModel.step} uses
   * the mean over the accumulated micro-batches (see {@link CompiledModel.step}).
   */
  gradients?: 'overwrite' | 'accumulate';
  /**
   * With a gradient hook set (`@deepsc/distributed`'s `ProcessGroup.attachGradients`): whether
   * this backward completes the step's gradients, so they are averaged over the ranks as the
   * backward produces them (default true). Pass false on every micro-batch but the last of an
   * accumulated step (PyTorch DDP's `no_sync`). Ignored without a hook.
   */
  syncGradients?: boolean;
}

/** Which gradient {@link CompiledModel.gradient} returns. */
export type GradientSource = 'current' | 'accumulated';

/** Options of {@link CompiledModel.loadStateDict} and {@link CompiledModel.load}. */
export interface LoadOptions {
  /**
   * `strict` (default): every parameter and state of the model must be present and nothing
   * else; `partial`: load what matches by name, ignore the rest (shapes must still match).
   */
  match?: 'strict' | 'partial';
}

/** @internal */
export interface CreateOptions extends Omit<NativeCompileOptions, 'optimizer'> {
  optimizer?: OptimizerConfig;
  shareWith?: CompiledModel;
}

const adopt = (r: Record<string, RawTensor>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Tensor.adopt(v)]));

const raws = (r: Readonly<Record<string, Tensor>>, what: string): Record<string, RawTensor> => {
  const out: Record<string, RawTensor> = {};
  for (const [k, t] of Object.entries(r)) {
    if (!(t instanceof Tensor)) throw new TypeError(`${what}: '${k}' is not a Tensor`);
    if (t.disposed) throw new Error(`${what}: tensor '${k}' [${t.shape.join(', ')}] was disposed`);
    out[k] = t.raw();
  }
  return out;
};

/**
 * A graph compiled by {@link GraphBuilder.compile}. Calls that run the graph return promises
 * and run on a worker thread; one may run at a time (a second is rejected while one is pending).
 * Tensors it returns are new native tensors owned by the caller (dispose them, or use a scope).
 */
export class CompiledModel {
  readonly #h: NativeModelHandle;
  readonly #leaves: NativeLeafInfo[];
  readonly #outputs: Record<string, readonly number[]>;
  /** Where the model runs. */
  readonly device: Device;
  /** `train` (backward planned) or `infer`. */
  readonly mode: 'train' | 'infer';
  /** The precision of the matrix products (`CompileOptions.precision`). */
  readonly precision: 'fp32' | 'tf32' | 'bf16';

  private constructor(
    h: NativeModelHandle,
    device: Device,
    precision: 'fp32' | 'tf32' | 'bf16',
    outputs: Record<string, readonly number[]>,
  ) {
    this.#h = h;
    this.#leaves = h.leaves();
    this.#outputs = outputs;
    this.device = device;
    this.mode = h.info().mode;
    this.precision = precision;
  }

  /** @internal */
  static create(
    desc: GraphDesc,
    outputs: Record<string, readonly number[]>,
    options: CreateOptions,
  ): CompiledModel {
    const { optimizer, shareWith, ...rest } = options;
    const h = new (loadBinding().NativeModel)(desc, rest, shareWith ? shareWith.#h : undefined);
    const m = new CompiledModel(h, options.device ?? 'cpu', options.precision ?? 'fp32', outputs);
    if (optimizer) {
      try {
        m.setOptimizer(optimizer);
      } catch (err) {
        h.dispose();
        throw err;
      }
    }
    return m;
  }

  /** Arena and persistent memory; `arenaBytes` is the peak the executor needs per step. */
  get memory(): ModelMemory {
    const i = this.#h.info();
    return {
      ...i.memory,
      arenaBytes: i.arenaBytes,
      arenaBytesWithoutReuse: i.arenaBytesWithoutReuse,
      persistentBytes: i.persistentBytes,
    };
  }

  /** The arena's size in bytes (peak activation, gradient and workspace memory). */
  get arenaBytes(): number {
    return this.#h.info().arenaBytes;
  }

  /** Trainable parameters the loss does not reach: they get no gradient and the optimizer skips them. */
  get parametersWithoutGradient(): string[] {
    return this.#h.info().parametersWithoutGradient;
  }

  /** Input names and shapes. */
  get inputs(): Record<string, readonly number[]> {
    return Object.fromEntries(this.#leaves.filter((l) => l.kind === 'input').map((l) => [l.name, l.shape]));
  }

  /** Output names and shapes (including `loss` when a loss was declared). */
  get outputs(): Record<string, readonly number[]> {
    return { ...this.#outputs };
  }

  /** Parameter names (PyTorch state-dict names), in declaration order. */
  get parameterNames(): string[] {
    return this.#leaves.filter((l) => l.kind === 'parameter').map((l) => l.name);
  }

  /** Names of trainable parameters. */
  get trainableNames(): string[] {
    return this.#leaves.filter((l) => l.kind === 'parameter' && l.trainable).map((l) => l.name);
  }

  /** Names of state tensors (saved with the parameters). */
  get stateNames(): string[] {
    return this.#leaves.filter((l) => l.kind === 'state').map((l) => l.name);
  }

  /** Whether a call is running. */
  get busy(): boolean {
    return this.#h.busy;
  }

  /** Whether {@link CompiledModel.dispose} was called. */
  get disposed(): boolean {
    return this.#h.disposed;
  }

  /**
   * Runs the forward pass. Inputs are checked (names, shapes, float32, optionally finiteness)
   * and copied before anything runs, so they may be reused or disposed as soon as this returns.
   * @returns the requested outputs as new tensors.
   * @throws (rejects) TypeError for a missing, unknown or mis-shaped input; RangeError for a
   *   non-finite input with `checkFinite`; Error when busy or disposed.
   */
  async forward(
    inputs: Readonly<Record<string, Tensor>>,
    options: ForwardOptions = {},
  ): Promise<Record<string, Tensor>> {
    const out = await this.#h.forward(raws(inputs, 'forward'), options.outputs, options.checkFinite ?? false);
    return adopt(out);
  }

  /**
   * Runs the backward pass of the last forward: gradients of the trainable parameters and of
   * `inputGradients`. The loss's gradient is 1; outputs listed in `seedOutputs` take theirs from `seeds`.
   * One backward per forward (the arena reuses the activations' memory).
   *
   * Gradient accumulation: `{ gradients: 'accumulate' }` makes this backward one micro-batch
   * (PyTorch's `loss.backward()` without `zero_grad()` in between). Repeat forward and
   * backward per micro-batch, then call {@link CompiledModel.step} once:
   * ```ts
   * for (const mb of microBatches) {
   *   await model.forward(mb.inputs);
   *   await model.backward(mb.seeds, { gradients: 'accumulate' });
   * }
   * await model.step(); // the mean of the micro-batches' gradients
   * ```
   * The step uses the mean, not the sum: with k micro-batches of b samples and a loss that is a
   * mean over the batch, it is the step of one batch of k b samples (up to float rounding), so
   * do not scale the loss by 1/k. The sums take one buffer per trainable parameter (allocated on
   * first use, counted as `optimizer` memory, freed with the model).
   * @param seeds - gradients of the outputs in `seedOutputs`, by name; default none.
   * @param options - `gradients`: `overwrite` (default) or `accumulate`.
   * @throws (rejects) Error when there was no forward at the current parameters, when busy, or
   *   (accumulating) when the parameters changed since the first accumulated micro-batch.
   */
  async backward(seeds: Readonly<Record<string, Tensor>> = {}, options: BackwardOptions = {}): Promise<void> {
    const mode = options.gradients ?? 'overwrite';
    if (mode !== 'overwrite' && mode !== 'accumulate')
      throw new RangeError(`backward: gradients is '${String(mode)}', expected 'overwrite' or 'accumulate'`);
    const sync = options.syncGradients ?? true;
    if (typeof sync !== 'boolean')
      throw new TypeError(`backward: syncGradients must be a boolean, got ${typeof sync}`);
    await this.#h.backward(raws(seeds, 'backward'), mode === 'accumulate', sync);
  }

  /**
   * One optimizer step, clipped first if configured. With accumulated micro-batches (see
   * {@link CompiledModel.backward}) it uses their mean gradient (clipping acts on that mean, as
   * PyTorch clips after accumulating) and clears them; otherwise the last backward's gradients.
   * The report's `microBatches` says how many were averaged (1 without accumulation).
   * @throws (rejects) Error without an optimizer; without fresh gradients or accumulated
   *   micro-batches; when a backward after the last accumulated one was not accumulated; when
   *   the parameters changed since the first accumulated micro-batch.
   */
  async step(): Promise<StepReport> {
    return this.#h.step();
  }

  /**
   * Sets the gradient hook of a collective backend, or removes it (`null`). Used by
   * `@deepsc/distributed` (`ProcessGroup.attachGradients` / `detachGradients`); the hook is an
   * opaque object made by that package. With a hook, {@link CompiledModel.step} steps with the
   * gradients averaged over the ranks and fails if the last backward did not sync them.
   * @throws TypeError for an object that is not such a hook; Error while busy or disposed.
   */
  setGradientHook(hook: object | null): void {
    this.#h.setGradientHook(hook);
  }

  /** Micro-batches accumulated since the last step (0 when not accumulating). */
  get microBatches(): number {
    return this.#h.microBatches;
  }

  /**
   * Forgets the accumulated micro-batches and the last backward's gradients (PyTorch's
   * `zero_grad()`); the next step needs a new backward. Use it to abandon a partial
   * accumulation (e.g. after a parameter write). The sums' buffers stay allocated.
   * @throws Error when busy.
   */
  zeroGradients(): void {
    this.#h.zeroGradients();
  }

  /**
   * forward, backward and step in one native call (one thread hop); returns the outputs and the
   * step report.
   * @throws (rejects) Error while micro-batches are accumulated (finish them with step()).
   */
  async trainStep(
    inputs: Readonly<Record<string, Tensor>>,
    options: ForwardOptions = {},
  ): Promise<{ outputs: Record<string, Tensor>; report: StepReport }> {
    const r = await this.#h.trainStep(
      raws(inputs, 'trainStep'),
      options.outputs,
      options.checkFinite ?? false,
    );
    return { outputs: adopt(r.outputs), report: r.report };
  }

  /**
   * A gradient as a new tensor.
   * @param name - a parameter, or an input named in `inputGradients` (`current` only).
   * @param source - `current` (default): from the last backward; `accumulated`: the mean over
   *   the micro-batches accumulated since the last step (what the next step would use, before clipping).
   * @throws TypeError for a name without (accumulated) gradient; Error when there are no
   *   current gradients, or nothing is accumulated; RangeError for another `source`.
   */
  gradient(name: string, source: GradientSource = 'current'): Tensor {
    return Tensor.adopt(this.#h.gradient(name, source));
  }

  /** A copy of a parameter, constant or state. @throws TypeError for an unknown name. */
  parameter(name: string): Tensor {
    return Tensor.adopt(this.#h.read(name));
  }

  /**
   * Names of the parameters and states (the saved values) holding a NaN or an infinity, in
   * graph order; empty when every one is finite. Runs in the engine on the model's device (one
   * reduction per value, no copy to the host): the check a trainer makes before stepping on
   * or saving a state.
   * @throws Error when busy or disposed.
   */
  nonFiniteParameters(): string[] {
    return this.#h.nonFiniteLeaves();
  }

  /**
   * Overwrites a parameter, constant or state (copied). Activations and gradients computed
   * before become stale (a later backward or step asks for a new forward).
   * @throws TypeError for an unknown name or a shape mismatch; Error when busy.
   */
  setParameter(name: string, value: Tensor): void {
    if (value.disposed) throw new Error(`setParameter: the tensor for '${name}' was disposed`);
    this.#h.write(name, value.raw());
  }

  /** Copies of every parameter and state tensor, by name (what PyTorch's `state_dict()` holds). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const n of [...this.parameterNames, ...this.stateNames]) out[n] = this.parameter(n);
    return out;
  }

  /**
   * Loads parameters and state by name. Everything is checked before anything is written.
   * @throws TypeError listing missing, unexpected and mis-shaped entries.
   */
  loadStateDict(dict: Readonly<Record<string, Tensor>>, options: LoadOptions = {}): void {
    const match = options.match ?? 'strict';
    const wanted = [...this.#leaves.filter((l) => l.kind === 'parameter' || l.kind === 'state')];
    const byName = new Map(wanted.map((l) => [l.name, l]));
    const missing = wanted.filter((l) => !(l.name in dict)).map((l) => l.name);
    const unexpected = Object.keys(dict).filter((n) => !byName.has(n));
    const shapes: string[] = [];
    for (const [n, t] of Object.entries(dict)) {
      const l = byName.get(n);
      if (l && (t.shape.length !== l.shape.length || t.shape.some((d, i) => d !== l.shape[i]))) {
        shapes.push(`'${n}' is [${t.shape.join(', ')}], the model has [${l.shape.join(', ')}]`);
      }
    }
    const problems: string[] = [];
    if (shapes.length) problems.push(`shape mismatch: ${shapes.join('; ')}`);
    if (match === 'strict' && missing.length) problems.push(`missing: ${missing.join(', ')}`);
    if (match === 'strict' && unexpected.length) problems.push(`unexpected: ${unexpected.join(', ')}`);
    if (problems.length) throw new TypeError(`loadStateDict: ${problems.join('. ')}`);
    for (const [n, t] of Object.entries(dict)) if (byName.has(n)) this.setParameter(n, t);
  }

  /** Saves parameters and state to a safetensors file (atomically), with PyTorch's names and layouts. */
  async save(path: string, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
    const dict = this.stateDict();
    try {
      await saveSafetensors(path, dict, { format: 'pt', ...metadata });
    } finally {
      for (const t of Object.values(dict)) t.dispose();
    }
  }

  /**
   * Loads parameters and state from a safetensors file (e.g. one PyTorch wrote with
   * `safetensors.torch.save_file(model.state_dict(), path)`).
   * @throws Error for a missing, truncated or malformed file; TypeError for mismatched entries.
   */
  async load(path: string, options: LoadOptions = {}): Promise<void> {
    const { tensors } = await loadSafetensors(path);
    try {
      // PyTorch's batch-norm counter has no counterpart here.
      const dict = Object.fromEntries(
        Object.entries(tensors).filter(([n]) => !n.endsWith('.num_batches_tracked')),
      );
      this.loadStateDict(dict, options);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }

  /**
   * Sets (or replaces) the optimizer; its state starts fresh.
   * @throws TypeError / RangeError for a bad configuration (naming the group and value).
   */
  setOptimizer(config: OptimizerConfig): void {
    this.#h.setOptimizer(resolveOptimizer(config, this.trainableNames));
  }

  /**
   * Sets the learning rate of one group (index in `optimizer.groups`, the default group last),
   * or of every group when `group` is omitted: the hook for schedules.
   * @throws RangeError for a negative rate or a group that does not exist.
   */
  setLearningRate(lr: number, group?: number): void {
    if (group !== undefined) {
      this.#h.setLearningRate(group, lr);
      return;
    }
    const n = this.#h.learningRates().length;
    for (let g = 0; g < n; g++) this.#h.setLearningRate(g, lr);
  }

  /** Learning rate per group. @throws Error without an optimizer. */
  learningRates(): number[] {
    return this.#h.learningRates();
  }

  /**
   * The optimizer's state (step counts, moment buffers as copies, learning rates), for
   * checkpoints. Checkpoints belong at step boundaries: the accumulated micro-batches are not
   * part of the state.
   * @throws Error while micro-batches are accumulated but not stepped, or without an optimizer.
   */
  optimizerState(): OptimizerState {
    return this.#h.optimizerState();
  }

  /**
   * Restores optimizer state saved by {@link CompiledModel.optimizerState} (same optimizer kind and parameters).
   * @throws TypeError when the kind, a parameter or a buffer shape does not match; Error while
   *   micro-batches are accumulated.
   */
  setOptimizerState(state: OptimizerState): void {
    this.#h.setOptimizerState(state);
  }

  /** Frees the arena, parameters (unless shared) and optimizer state. Idempotent; throws while busy. */
  dispose(): void {
    this.#h.dispose();
  }
}
