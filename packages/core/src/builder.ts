/**
 * The graph builder: declares inputs, parameters (with seeded initialisers), constants,
 * state, op nodes, named outputs and a scalar loss, then compiles the whole graph natively.
 * Shapes are inferred (and every op validated) as nodes are added, so a mistake fails at the
 * line that makes it.
 * @module
 */
import {
  type Attrs,
  type LeafItem,
  loadBinding,
  type NodeItem,
  type OpAttrs,
  type OpName,
  type PluginOpName,
} from '@deepsc/native';
import type { Device } from './device.js';
import { type GraphIdentity, GraphValue } from './graph-value.js';
import { type Initializer, initialize } from './init.js';
import { CompiledModel } from './model.js';
import type { OptimizerConfig } from './optimizer.js';
import { type Shape, type Shape2, type Shape5, Tensor } from './tensor.js';

/** Options of a {@link GraphBuilder}. */
export interface BuilderOptions {
  /** Seed of the parameter initialisers; default 0. Each parameter draws from its own stream (seed, name). */
  seed?: number;
}

/** Options of {@link GraphBuilder.parameter}. */
export interface ParameterOptions {
  /** Default true; frozen parameters are saved and loaded but never updated. */
  trainable?: boolean;
}

/** Options of {@link GraphBuilder.compile}. */
export interface CompileOptions extends MemoryPlanOptions {
  /**
   * Default `cpu`. `cuda` runs the whole graph and its optimizer on the GPU (inputs and outputs
   * are still host tensors, copied in and out); compile throws an Error where the engine has no
   * CUDA build or sees no GPU, and one naming every op of the graph that has no CUDA kernel yet.
   */
  device?: Device;
  /**
   * The precision of the matrix products (docs/architecture.md, "Precision"): `fp32`, the
   * default, computes everything in fp32. `tf32` and `bf16` round conv3d's operands for the
   * GPU's tensor cores (fp32 accumulation). The CPU kernels are fp32 only, and a released
   * engine refuses them on CUDA too: its tensor-core kernels have not yet been checked on a GPU,
   * and only an engine built with the CMake option `DEEPSC_CUDA_LOWP` takes them
   * (`info().cudaPrecisions` of `@deepsc/native` lists what the CUDA device accepts). A refusal
   * is a RangeError naming the precision and the device; any other name is a RangeError too.
   */
  precision?: 'fp32' | 'tf32' | 'bf16';
  /**
   * `train`: plan the backward pass (gradients of trainable parameters and of `inputGradients`)
   * and keep what it needs; `infer`: forward only, activations freed as early as possible.
   * Default: `train` when a loss or `seedOutputs` is declared, else `infer`.
   */
  mode?: 'train' | 'infer';
  /** The optimizer run by `step()` (can also be set later with `setOptimizer`). */
  optimizer?: OptimizerConfig;
  /** Inputs whose gradients `gradient(name)` should return (e.g. for saliency or tests). */
  inputGradients?: readonly string[];
  /**
   * Outputs whose gradients the caller supplies to `backward(seeds)` (instead of, or besides,
   * the loss's gradient of 1), e.g. to backpropagate a loss computed elsewhere.
   */
  seedOutputs?: readonly string[];
  /**
   * Share parameters, constants and state (same name, kind and shape) with another compiled
   * model, e.g. an inference graph at another size beside the training graph. Both then run
   * one call at a time.
   */
  shareParametersWith?: CompiledModel;
}

/**
 * How the executor plans activation memory. Every choice gives bitwise the same results; they
 * trade memory for time (`recompute`) or exist for comparison (`inPlace`, `declaredReads`).
 */
export interface MemoryPlanOptions {
  /** `greedy` (default): greedy-by-size buffer reuse in the arena; `none`: one buffer per value. */
  reuse?: 'greedy' | 'none';
  /**
   * Activation checkpointing: node-name prefixes (`scoped` names such as `lesion.enc2`) of
   * segments whose forward runs again in the backward pass instead of keeping their
   * activations; a node is in segment `P` when its name is `P` or starts with `P.`.
   * `model.memory` reports what it saved and which nodes it recomputes. Mode `train` only
   * (ignored by `infer`). TypeError for a prefix that names no node or a segment holding
   * `batch_norm` in mode `train`.
   */
  recompute?: readonly string[];
  /** Default true: elementwise ops (relu, add, scale, ...) write over an input nothing reads afterwards. */
  inPlace?: boolean;
  /**
   * Default true: a backward keeps alive only what its op declares it reads (a relu its
   * output, a conv its input, an add nothing); `false` keeps every input and output of a node
   * until its backward.
   */
  declaredReads?: boolean;
  /**
   * The order the backward pass runs its nodes in: `auto` (default) plans both and keeps the
   * smaller arena (`model.memory.backwardOrder` says which); `reverse-creation`: the last
   * created node first; `memory`: among the nodes whose output gradients are complete, the one
   * that frees the most memory first (a branch's activations die before another branch's
   * backward). Gradients are bitwise the same in every order.
   */
  backwardOrder?: 'auto' | 'reverse-creation' | 'memory';
  /**
   * Recompute cheap values in the backward pass instead of keeping them: a value the backward
   * reads, made by a cheap op (elementwise and structure ops, normalisations, convolutions of
   * at most 32 multiply-adds per output) from values that are alive anyway when it is read
   * again (e.g. a ReLU after a norm, recomputed from the norm's input that the norm's backward
   * keeps). `auto` (default) plans with and without and keeps the smaller arena
   * (`model.memory.recomputedNodes` lists them); `true` / `false` force it. Bitwise neutral.
   */
  recomputeCheap?: boolean | 'auto';
}

/** An op node of a graph being built (see {@link GraphBuilder.nodes}). */
export interface GraphNode {
  readonly op: OpName;
  /** Full (prefixed) node name. */
  readonly name: string;
  readonly attrs: Readonly<Attrs>;
  /** Values read, in the op's input order; null for an absent optional input. */
  readonly inputs: readonly (GraphValue | null)[];
  readonly outputs: readonly GraphValue[];
}

type LeafDecl = Omit<LeafItem, 'data'> & { init?: Initializer; data?: Float32Array };

interface BuilderState {
  identity: GraphIdentity;
  seed: number;
  items: (LeafDecl | NodeItem)[];
  values: GraphValue[];
  leafNames: Map<string, GraphValue>;
  nodeNames: Set<string>;
  outputs: { name: string; value: number }[];
  loss?: GraphValue;
}

let graphCounter = 0;

/**
 * Declares a graph. Methods named after ops (`relu`, `groupNorm`, ...) add one node each;
 * `op(name, attrs, inputs)` adds any registered op.
 *
 * @example
 * const g = new GraphBuilder({ seed: 1 });
 * const x = g.input('x', [1, 4]);
 * const w = g.parameter('fc.weight', [3, 4], pytorchDefaultWeight());
 * const y = g.relu(g.op('linear', {}, [x, w, null])[0]);
 * g.output('y', y);
 * const model = g.compile({ mode: 'infer' });
 */
export class GraphBuilder {
  readonly #s: BuilderState;
  /** Prefix of parameter, constant, state and node names made by this builder ('' or 'stem.'). */
  readonly prefix: string;

  /** A new, empty graph. (`scope` is internal: how {@link GraphBuilder.scoped} shares the graph.) */
  constructor(options: BuilderOptions = {}, scope?: { state: unknown; prefix: string }) {
    this.#s = scope
      ? (scope.state as BuilderState)
      : {
          identity: { id: ++graphCounter },
          seed: options.seed ?? 0,
          items: [],
          values: [],
          leafNames: new Map(),
          nodeNames: new Set(),
          outputs: [],
        };
    this.prefix = scope?.prefix ?? '';
  }

  /**
   * A builder for the same graph whose parameter, constant, state and node names start with
   * `prefix + '.'` (nestable), so names follow PyTorch's module paths: `g.scoped('stem').scoped('conv')`
   * names its weight `stem.conv.weight`.
   */
  scoped(prefix: string): GraphBuilder {
    if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
      throw new TypeError(`scoped: prefix '${prefix}' must be letters, digits, '_', '-' or '.'`);
    }
    return new GraphBuilder({}, { state: this.#s, prefix: `${this.prefix}${prefix}.` });
  }

  /** Values declared so far (leaves and op outputs), in order. */
  get values(): readonly GraphValue[] {
    return this.#s.values;
  }

  /** Declared parameters: full name, shape, trainable. */
  get parameters(): { name: string; shape: readonly number[]; trainable: boolean }[] {
    return this.#s.items
      .filter((i): i is LeafDecl => i.kind === 'parameter')
      .map((i) => ({ name: i.name, shape: i.shape, trainable: i.trainable !== false }));
  }

  /**
   * Op nodes declared so far, in order: op, full name, attributes and the values each reads
   * (null for an absent optional input) and writes, with their shapes (for analyses of the
   * graph such as `graphFlops`).
   */
  get nodes(): readonly GraphNode[] {
    const s = this.#s;
    const value = (id: number) => s.values[id] as GraphValue;
    return s.items
      .filter((i): i is NodeItem => i.kind === 'node')
      .map((n) => ({
        op: n.op as OpName,
        name: n.name,
        attrs: n.attrs,
        inputs: n.inputs.map((id) => (id === null ? null : value(id))),
        outputs: n.outputs.map(value),
      }));
  }

  /** Named outputs declared so far (the loss's included once declared). */
  get outputs(): readonly { name: string; value: GraphValue }[] {
    return this.#s.outputs.map((o) => ({ name: o.name, value: this.#s.values[o.value] as GraphValue }));
  }

  /**
   * A graph input, fed at every forward call. Input names are global (never prefixed).
   * @throws TypeError when the name is taken; RangeError for a bad shape.
   */
  input<const S extends Shape>(name: string, shape: S): GraphValue<S> {
    return this.#leaf({ kind: 'input', name, shape: checkShape(shape, `input '${name}'`) }) as GraphValue<S>;
  }

  /**
   * A parameter named `prefix + name` (use PyTorch's state-dict names: `conv1.weight`),
   * initialised by `init` from the stream (builder seed, full name).
   */
  parameter<const S extends Shape>(
    name: string,
    shape: S,
    init: Initializer,
    options: ParameterOptions = {},
  ): GraphValue<S> {
    const full = this.prefix + name;
    return this.#leaf({
      kind: 'parameter',
      name: full,
      shape: checkShape(shape, `parameter '${full}'`),
      trainable: options.trainable !== false,
      init,
    }) as GraphValue<S>;
  }

  /**
   * Persistent, untrained values that ops may update (batch-norm running statistics). Saved
   * with the model. Initialised by `init`.
   */
  state<const S extends Shape>(name: string, shape: S, init: Initializer): GraphValue<S> {
    const full = this.prefix + name;
    return this.#leaf({
      kind: 'state',
      name: full,
      shape: checkShape(shape, `state '${full}'`),
      init,
    }) as GraphValue<S>;
  }

  /**
   * Fixed data (copied now): class weights, a fixed mask. Not trained, not saved.
   * @throws TypeError when the data does not fill the shape.
   */
  constant<const S extends Shape>(
    name: string,
    data: Tensor<S> | Float32Array | readonly number[],
    shape?: S,
  ): GraphValue<S> {
    const full = this.prefix + name;
    const s = data instanceof Tensor ? data.shape : shape;
    if (!s) throw new TypeError(`constant '${full}': give a shape with array data`);
    checkShape(s, `constant '${full}'`);
    const values = data instanceof Tensor ? data.data : data;
    const n = s.reduce((a, b) => a * b, 1);
    if (values.length !== n) {
      throw new TypeError(
        `constant '${full}': ${values.length} values do not fill shape [${s.join(', ')}] (${n} elements)`,
      );
    }
    return this.#leaf({
      kind: 'constant',
      name: full,
      shape: s,
      data: Float32Array.from(values),
    }) as GraphValue<S>;
  }

  /**
   * Adds a node running op `op` on `inputs` (in the op's input order; null for an absent
   * optional input) and returns its outputs. Validates the attributes and shapes now. Works
   * for built-in ops (typed attributes) and for ops loaded from a plugin with `loadOpLibrary`
   * (plain attributes, checked against what the plugin declares).
   * @param options.name - node name for messages (default `<op>_<n>`), prefixed.
   * @throws TypeError / RangeError naming the node and the bad value (an unknown op names the
   *   built-in ops and the loaded plugin ops).
   */
  op<K extends OpName>(
    op: K,
    attrs: OpAttrs[K],
    inputs: readonly (GraphValue | null)[],
    options?: { name?: string },
  ): GraphValue[];
  op<P extends string>(
    op: PluginOpName<P>,
    attrs: Attrs,
    inputs: readonly (GraphValue | null)[],
    options?: { name?: string },
  ): GraphValue[];
  op(
    op: string,
    attrs: object,
    inputs: readonly (GraphValue | null)[],
    options: { name?: string } = {},
  ): GraphValue[] {
    const s = this.#s;
    const name = this.prefix + (options.name ?? `${op}_${s.items.length}`);
    if (s.nodeNames.has(name)) throw new TypeError(`node name '${name}' is used twice`);
    for (const [i, v] of inputs.entries()) {
      if (v !== null && !(v instanceof GraphValue))
        throw new TypeError(`node '${name}' (${op}): input ${i} is not a graph value`);
      if (v && v.graph !== s.identity) {
        throw new TypeError(`node '${name}' (${op}): input ${i} (${v.label}) belongs to another graph`);
      }
    }
    let shapes: number[][];
    // Outside the try: a missing engine (EngineLoadError) is not this node's fault and keeps its class.
    const binding = loadBinding();
    try {
      shapes = binding.inferShapes(
        op,
        attrs as Attrs,
        inputs.map((v) => (v ? [...v.shape] : null)),
      );
    } catch (err) {
      const e = err as Error;
      const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
      throw new Ctor(`node '${name}': ${e.message}`);
    }
    const outputs = shapes.map((shape, k) => {
      const v = new GraphValue(s.identity, s.values.length, shape, `output ${k} of '${name}' (${op})`);
      s.values.push(v);
      return v;
    });
    s.nodeNames.add(name);
    s.items.push({
      kind: 'node',
      op,
      name,
      attrs: attrs as Attrs,
      inputs: inputs.map((v) => (v ? v.id : null)),
      outputs: outputs.map((v) => v.id),
    });
    return outputs;
  }

  /** `relu`: max(x, 0). */
  relu<S extends Shape>(x: GraphValue<S>, name?: string): GraphValue<S> {
    return this.#one('relu', {}, [x], name) as GraphValue<S>;
  }

  /** `leaky_relu`: x for x > 0, else slope x (slope default 0.01). */
  leakyRelu<S extends Shape>(
    x: GraphValue<S>,
    attrs: OpAttrs['leaky_relu'] = {},
    name?: string,
  ): GraphValue<S> {
    return this.#one('leaky_relu', attrs, [x], name) as GraphValue<S>;
  }

  /** `sigmoid`: 1 / (1 + exp(-x)). */
  sigmoid<S extends Shape>(x: GraphValue<S>, name?: string): GraphValue<S> {
    return this.#one('sigmoid', {}, [x], name) as GraphValue<S>;
  }

  /** `softmax` over the channel axis 1 of `[N, C, ...]`. */
  softmax<S extends Shape>(x: GraphValue<S>, name?: string): GraphValue<S> {
    return this.#one('softmax', {}, [x], name) as GraphValue<S>;
  }

  /** `log_softmax` over the channel axis 1 of `[N, C, ...]`. */
  logSoftmax<S extends Shape>(x: GraphValue<S>, name?: string): GraphValue<S> {
    return this.#one('log_softmax', {}, [x], name) as GraphValue<S>;
  }

  /** `group_norm` of x `[N, C, ...]` with optional affine gamma, beta `[C]` (null for none). */
  groupNorm<S extends Shape>(
    x: GraphValue<S>,
    gamma: GraphValue | null,
    beta: GraphValue | null,
    attrs: OpAttrs['group_norm'],
    name?: string,
  ): GraphValue<S> {
    return this.#one('group_norm', attrs, [x, gamma, beta], name) as GraphValue<S>;
  }

  /** `instance_norm` of x `[N, C, ...]` with optional affine gamma, beta `[C]`. */
  instanceNorm<S extends Shape>(
    x: GraphValue<S>,
    gamma: GraphValue | null,
    beta: GraphValue | null,
    attrs: OpAttrs['instance_norm'] = {},
    name?: string,
  ): GraphValue<S> {
    return this.#one('instance_norm', attrs, [x, gamma, beta], name) as GraphValue<S>;
  }

  /**
   * `batch_norm` of x `[N, C, ...]`: gamma, beta (parameters) and runningMean, runningVar
   * (declare them with {@link GraphBuilder.state}: mode `train` updates them in place at every forward).
   */
  batchNorm<S extends Shape>(
    x: GraphValue<S>,
    gamma: GraphValue | null,
    beta: GraphValue | null,
    runningMean: GraphValue | null,
    runningVar: GraphValue | null,
    attrs: OpAttrs['batch_norm'],
    name?: string,
  ): GraphValue<S> {
    return this.#one('batch_norm', attrs, [x, gamma, beta, runningMean, runningVar], name) as GraphValue<S>;
  }

  /** `conv3d`: x `[N, C, D, H, W]`, w `[K, C/groups, kD, kH, kW]`, bias `[K]` or null. */
  conv3d(
    x: GraphValue,
    w: GraphValue,
    bias: GraphValue | null,
    attrs: OpAttrs['conv3d'] = {},
    name?: string,
  ): GraphValue<Shape5> {
    return this.#one('conv3d', attrs, [x, w, bias], name) as GraphValue<Shape5>;
  }

  /** `conv_transpose3d`: x `[N, C, D, H, W]`, w `[C, K/groups, kD, kH, kW]` (PyTorch's layout), bias `[K]` or null. */
  convTranspose3d(
    x: GraphValue,
    w: GraphValue,
    bias: GraphValue | null,
    attrs: OpAttrs['conv_transpose3d'] = {},
    name?: string,
  ): GraphValue<Shape5> {
    return this.#one('conv_transpose3d', attrs, [x, w, bias], name) as GraphValue<Shape5>;
  }

  /** `crop`: the sub-volume of x `[N, C, D, H, W]` at `offset` of extent `size`. */
  crop(x: GraphValue, attrs: OpAttrs['crop'], name?: string): GraphValue<Shape5> {
    return this.#one('crop', attrs, [x], name) as GraphValue<Shape5>;
  }

  /** `paste`: base `[N, C, D, H, W]` with the region at `offset` replaced by patch. */
  paste<S extends Shape>(
    base: GraphValue<S>,
    patch: GraphValue,
    attrs: OpAttrs['paste'],
    name?: string,
  ): GraphValue<S> {
    return this.#one('paste', attrs, [base, patch], name) as GraphValue<S>;
  }

  /** `concat`: inputs joined along `axis` (default 1, channels), as `torch.cat`. */
  concat(inputs: readonly GraphValue[], attrs: OpAttrs['concat'] = {}, name?: string): GraphValue {
    return this.#one('concat', attrs, inputs, name);
  }

  /** `slice`: `length` indices from `start` along `axis` (PyTorch's `narrow`). */
  slice(x: GraphValue, attrs: OpAttrs['slice'], name?: string): GraphValue {
    return this.#one('slice', attrs, [x], name);
  }

  /** `reshape`: the same elements under `shape` (one entry may be -1). */
  reshape(x: GraphValue, shape: readonly number[], name?: string): GraphValue {
    return this.#one('reshape', { shape }, [x], name);
  }

  /** `max_pool3d` of x `[N, C, D, H, W]`. */
  maxPool3d(x: GraphValue, attrs: OpAttrs['max_pool3d'], name?: string): GraphValue<Shape5> {
    return this.#one('max_pool3d', attrs, [x], name) as GraphValue<Shape5>;
  }

  /** `avg_pool3d` of x `[N, C, D, H, W]`. */
  avgPool3d(x: GraphValue, attrs: OpAttrs['avg_pool3d'], name?: string): GraphValue<Shape5> {
    return this.#one('avg_pool3d', attrs, [x], name) as GraphValue<Shape5>;
  }

  /** `global_avg_pool`: x `[N, C, ...]` to the mean over the spatial axes, `[N, C]`. */
  globalAvgPool(x: GraphValue, name?: string): GraphValue<Shape2> {
    return this.#one('global_avg_pool', {}, [x], name) as GraphValue<Shape2>;
  }

  /** `resize` of x `[N, C, D, H, W]` to `[N, C, ...size]` (`trilinear` or `nearest`, PyTorch's `F.interpolate`). */
  resize(x: GraphValue, attrs: OpAttrs['resize'], name?: string): GraphValue<Shape5> {
    return this.#one('resize', attrs, [x], name) as GraphValue<Shape5>;
  }

  /** `add`: a + b with NumPy broadcasting. */
  add(a: GraphValue, b: GraphValue, name?: string): GraphValue {
    return this.#one('add', {}, [a, b], name);
  }

  /** `mul`: a * b with NumPy broadcasting. */
  mul(a: GraphValue, b: GraphValue, name?: string): GraphValue {
    return this.#one('mul', {}, [a, b], name);
  }

  /** `mul_scalar`: value * x for a constant `value`. */
  mulScalar<S extends Shape>(x: GraphValue<S>, value: number, name?: string): GraphValue<S> {
    return this.#one('mul_scalar', { value }, [x], name) as GraphValue<S>;
  }

  /** `scale`: s * x for a learnable scalar s of shape `[1]` (the cross-stitch alpha and beta, the lesion channel's factor). */
  scale<S extends Shape>(x: GraphValue<S>, s: GraphValue, name?: string): GraphValue<S> {
    return this.#one('scale', {}, [x, s], name) as GraphValue<S>;
  }

  /** `linear`: x `[N, F]`, w `[O, F]`, bias `[O]` or null -> `[N, O]` (PyTorch's `F.linear`). */
  linear(x: GraphValue, w: GraphValue, bias: GraphValue | null, name?: string): GraphValue<Shape2> {
    return this.#one('linear', {}, [x, w, bias], name) as GraphValue<Shape2>;
  }

  /**
   * `cross_entropy` -> `[1]`: logits `[N, C, ...]`, target `[N, ...]` (class indices as floats),
   * optional mask `[N, ...]`; class-weighted mean as PyTorch's.
   */
  crossEntropy(
    logits: GraphValue,
    target: GraphValue,
    mask: GraphValue | null = null,
    attrs: OpAttrs['cross_entropy'] = {},
    name?: string,
  ): GraphValue<readonly [1]> {
    return this.#one('cross_entropy', attrs, [logits, target, mask], name) as GraphValue<readonly [1]>;
  }

  /** `focal` loss (Lin et al., ICCV 2017) -> `[1]`; inputs as {@link GraphBuilder.crossEntropy}; gamma default 2. */
  focal(
    logits: GraphValue,
    target: GraphValue,
    mask: GraphValue | null = null,
    attrs: OpAttrs['focal'] = {},
    name?: string,
  ): GraphValue<readonly [1]> {
    return this.#one('focal', attrs, [logits, target, mask], name) as GraphValue<readonly [1]>;
  }

  /** `soft_dice` loss -> `[1]`: probabilities p `[N, C, ...]`, target (same shape), optional mask (e.g. the lung). */
  softDice(
    p: GraphValue,
    target: GraphValue,
    mask: GraphValue | null = null,
    attrs: OpAttrs['soft_dice'] = {},
    name?: string,
  ): GraphValue<readonly [1]> {
    return this.#one('soft_dice', attrs, [p, target, mask], name) as GraphValue<readonly [1]>;
  }

  /** `mse` -> `[1]`: mean of (a - b)^2, weighted by `weight` when given. */
  mse(
    a: GraphValue,
    b: GraphValue,
    weight: GraphValue | null = null,
    name?: string,
  ): GraphValue<readonly [1]> {
    return this.#one('mse', {}, [a, b, weight], name) as GraphValue<readonly [1]>;
  }

  /**
   * Names `value` as an output: forward() returns it under `name`.
   * @throws TypeError when the name is taken or the value belongs to another graph.
   */
  output(name: string, value: GraphValue): void {
    this.#own(value, `output '${name}'`);
    if (!name) throw new TypeError('output: a name is required');
    if (this.#s.outputs.some((o) => o.name === name))
      throw new TypeError(`output name '${name}' is used twice`);
    this.#s.outputs.push({ name, value: value.id });
  }

  /**
   * Declares the scalar loss (one element) that backward() differentiates. It is also an
   * output named `loss` unless an output of that name exists.
   * @throws TypeError when the value has more than one element.
   */
  loss(value: GraphValue): void {
    this.#own(value, 'loss');
    if (value.size !== 1) {
      throw new TypeError(
        `loss: must be a scalar (one element), but ${value.label} has shape [${value.shape.join(', ')}]`,
      );
    }
    this.#s.loss = value;
    if (!this.#s.outputs.some((o) => o.name === 'loss'))
      this.#s.outputs.push({ name: 'loss', value: value.id });
  }

  /**
   * Compiles the graph natively: shape inference, pruning, the backward pass (mode `train`),
   * liveness and one arena with buffer reuse; parameters are initialised now.
   * @throws TypeError / RangeError naming the bad node or option; Error for an unavailable device.
   */
  compile(options: CompileOptions = {}): CompiledModel {
    const s = this.#s;
    const hasSeeds = (options.seedOutputs?.length ?? 0) > 0;
    const mode = options.mode ?? (s.loss || hasSeeds ? 'train' : 'infer');
    const items = s.items.map((it) => {
      if (it.kind === 'node' || it.kind === 'input') return it;
      const { init, data, ...rest } = it;
      return { ...rest, data: data ?? initialize(init as Initializer, it.shape, s.seed, it.name) };
    });
    const desc = { items, outputs: [...s.outputs], ...(s.loss ? { loss: s.loss.id } : {}) };
    const outputShapes = Object.fromEntries(s.outputs.map((o) => [o.name, s.values[o.value]?.shape ?? []]));
    return CompiledModel.create(desc, outputShapes, {
      device: options.device ?? 'cpu',
      precision: options.precision ?? 'fp32',
      mode,
      inputGradients: options.inputGradients ?? [],
      seedOutputs: options.seedOutputs ?? [],
      reuse: options.reuse ?? 'greedy',
      recompute: options.recompute ?? [],
      inPlace: options.inPlace ?? true,
      declaredReads: options.declaredReads ?? true,
      backwardOrder: options.backwardOrder ?? 'auto',
      recomputeCheap: options.recomputeCheap ?? 'auto',
      ...(options.optimizer ? { optimizer: options.optimizer } : {}),
      ...(options.shareParametersWith ? { shareWith: options.shareParametersWith } : {}),
    });
  }

  #one(op: OpName, attrs: unknown, inputs: readonly (GraphValue | null)[], name?: string): GraphValue {
    const outs = this.op(op, attrs as never, inputs, name === undefined ? {} : { name });
    return outs[0] as GraphValue;
  }

  #own(value: GraphValue, what: string): void {
    if (!(value instanceof GraphValue) || value.graph !== this.#s.identity) {
      throw new TypeError(`${what}: the value is not from this graph`);
    }
  }

  #leaf(decl: LeafDecl): GraphValue {
    const s = this.#s;
    if (!decl.name) throw new TypeError(`${decl.kind}: a name is required`);
    const taken = s.leafNames.get(decl.name);
    if (taken) throw new TypeError(`${decl.kind} name '${decl.name}' is already used by ${taken.label}`);
    const v = new GraphValue(s.identity, s.values.length, decl.shape, `${decl.kind} '${decl.name}'`);
    s.values.push(v);
    s.leafNames.set(decl.name, v);
    s.items.push(decl);
    return v;
  }
}

function checkShape<S extends Shape>(shape: S, what: string): S {
  if (!Array.isArray(shape)) throw new TypeError(`${what}: shape must be an array of integers`);
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new RangeError(`${what}: shape[${i}] = ${d} is not a non-negative integer`);
  }
  return shape;
}
