/**
 * The model interface: what a network package gives the stack so that the trainer, the
 * inferer, the CLI (`--model`), the report and the study runner can train, predict with and
 * evaluate it without knowing it. A network package (`@deepsc/deepsc-covid`, `@deepsc/unet3d`,
 * or a user's own) exports one {@link ModelSpec} as its `model` export; the CLI resolves a
 * model name to such a package (docs/extending.md).
 *
 * Layout conventions: a scan handed to a model lies on a grid `dims` = [i, j, k] with i
 * fastest in memory, which is the network's [D, H, W] = [k, j, i] row-major (W fastest).
 * @module
 */
import type { CompileOptions, MemoryPlanOptions } from './builder.js';
import type { Device } from './device.js';
import type { CompiledModel, StepReport } from './model.js';
import type { OptimizerConfig } from './optimizer.js';
import type { Tensor } from './tensor.js';

/** [D, H, W] in voxels. */
export type GridSize = readonly [number, number, number];

/** A volume on a voxel grid: `dims` [i, j, k], i fastest in `data`. */
export interface GridVolume<T extends ArrayLike<number> = Float32Array> {
  readonly dims: readonly [number, number, number];
  readonly data: T;
}

/**
 * One prepared scan as the stack hands it to a model for training: preprocessed to the model's
 * grid ({@link ModelSpec.scanGrid}) and, when augmentation is on, already augmented.
 * `io`'s `PreparedScan` satisfies it.
 */
export interface ModelScan {
  readonly id: string;
  /** The manifest's label (e.g. `covid`, `cap`, `normal`). */
  readonly label: string;
  readonly image: GridVolume<Float32Array>;
  /** Lesion mask (0 / 1), when the manifest has one. */
  readonly lesion?: GridVolume<ArrayLike<number>>;
  /** Lung mask (0 / 1), when preprocessing made or read one. */
  readonly lung?: GridVolume<ArrayLike<number>>;
}

/** The volumes of a {@link ModelScan}, by the name its errors use. */
const SCAN_VOLUMES = { image: 'image', lesion: 'lesion mask', lung: 'lung mask' } as const;

/**
 * Checks that the given volumes of `scan` lie on `grid` ([i, j, k], a model's `scanGrid`) and
 * hold its voxels, before a model's `makeBatch` cuts them.
 * @param volumes - which of the scan's volumes the model reads (absent ones are skipped).
 * @param who - the model as the message names it (`the network`, `the U-Net`).
 * @param hint - appended to an off-grid message (e.g. where the grid comes from).
 * @throws RangeError naming the scan and the volume: `scan s7: image prepared to [32, 32, 15]
 *   (i, j, k), the U-Net needs [32, 32, 16]`, or its voxel count against the grid's.
 */
export function checkScanGrid(
  scan: ModelScan,
  grid: readonly [number, number, number],
  volumes: readonly (keyof typeof SCAN_VOLUMES)[],
  who: string,
  hint = '',
): void {
  const voxels = grid[0] * grid[1] * grid[2];
  for (const key of volumes) {
    const v = scan[key];
    if (!v) continue;
    const what = SCAN_VOLUMES[key];
    if (v.dims.length !== 3 || v.dims.some((d, a) => d !== grid[a]))
      throw new RangeError(
        `scan ${scan.id}: ${what} prepared to [${v.dims.join(', ')}] (i, j, k), ${who} needs [${grid.join(', ')}]${hint}`,
      );
    if (v.data.length !== voxels)
      throw new RangeError(
        `scan ${scan.id}: ${what} holds ${v.data.length} voxels, its grid [${grid.join(', ')}] needs ${voxels}`,
      );
  }
}

/** A uniform random source in [0, 1) (io's `Rng#next`, core's `mulberry32`). */
export interface RandomSource {
  next(): number;
}

/** A class a model predicts, and the manifest label it stands for. */
export interface ModelClass {
  /** Display name, e.g. `COVID-19`. */
  readonly name: string;
  /** The manifest label of its scans, e.g. `covid`. */
  readonly label: string;
}

/** What a configured model predicts. */
export interface ModelTasks {
  /** The classes, in output order; absent when the model does not classify scans. */
  readonly classes?: readonly ModelClass[];
  /** Whether it gives a lesion probability per voxel. */
  readonly segmentation: boolean;
  /** Names of the extra per-voxel maps it gives in (0, 1) (DeepSC-COVID: `evidence`). */
  readonly maps?: readonly string[];
}

/** Options every model's `create` takes. */
export interface CreateModelOptions {
  /** Parameter initialisation seed. */
  seed: number;
  /** `train`: backward planned, optimizer present; `infer`: forward only. */
  mode: 'train' | 'infer';
  device: Device;
  /** The optimizer ({@link ModelSpec.optimizer}'s result); `train` mode only. */
  optimizer?: OptimizerConfig;
  /** Activation memory planning (`train` mode). */
  memoryPlan?: MemoryPlanOptions;
  /**
   * The precision of the network's matrix products, handed to its compile (`CompileOptions.precision`;
   * docs/architecture.md, "Precision"); default `fp32`. The trainer passes `training.precision`.
   */
  precision?: CompileOptions['precision'];
  /**
   * `infer` mode: sliding windows per network call (the graph is compiled for that batch;
   * `predict` runs its windows that many at a time); default 1. At most the spec's
   * `maxWindowBatch`.
   */
  windowBatch?: number;
}

/** A window batch a model cannot compile for (not a positive integer, outside `infer` mode, above its limit). */
export class WindowBatchError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'WindowBatchError';
  }
}

/**
 * The windows per call a model's `create` compiles for: `options.windowBatch` (default 1),
 * checked against the model's limit.
 * @param limit - the spec's `maxWindowBatch` for the configuration, and why (for the message).
 * @throws WindowBatchError naming `who`: not a positive integer, more than 1 outside `infer` mode,
 *   or above the limit.
 */
export function windowBatchOf(
  options: Pick<CreateModelOptions, 'mode' | 'windowBatch'>,
  who: string,
  limit: { max: number; why: string } = { max: Number.POSITIVE_INFINITY, why: '' },
): number {
  const b = options.windowBatch ?? 1;
  if (!Number.isSafeInteger(b) || b < 1)
    throw new WindowBatchError(`${who}: windowBatch ${String(b)} must be a positive integer`);
  if (b > 1 && options.mode !== 'infer')
    throw new WindowBatchError(
      `${who}: windowBatch ${b} is for 'infer' mode (sliding windows), not '${options.mode}'`,
    );
  if (b > limit.max)
    throw new WindowBatchError(
      `${who}: windowBatch ${b}, but it runs at most ${limit.max} window(s) per call (${limit.why})`,
    );
  return b;
}

/** A built, compiled model: its resolved configuration and its graph. */
export interface ModelInstance<Config = unknown> {
  readonly config: Config;
  readonly model: CompiledModel;
}

/** The learning-rate part of a training configuration's `optimizer` section. */
export interface TrainingOptimizer {
  readonly kind: 'adam' | 'adamw' | 'sgd';
  readonly lr: number;
  readonly weightDecay: number;
  readonly momentum?: number;
  readonly betas?: readonly [number, number];
  readonly clipGradNorm?: number;
  /** Further per-model fields (DeepSC-COVID: `segmentationLr`). */
  readonly [field: string]: unknown;
}

/** The optimizer a model trains with, and the base learning rate of each group (what schedules scale). */
export interface ModelOptimizer {
  readonly config: OptimizerConfig;
  /** One per parameter group, in group order (group 0 = the config's `groups[0]`, the last = the default group). */
  readonly baseLearningRates: readonly number[];
  /** A name per group, for logs (e.g. `segmentationLr`, `lr`). */
  readonly groupNames: readonly string[];
}

/** Options of a training step ({@link ModelSpec.trainingStep}). */
export interface ModelStepOptions {
  /** `false`: stop after backward (an accumulated micro-batch); default true. */
  step?: boolean;
  /** `overwrite` (default) or `accumulate` gradients (`CompiledModel.backward`). */
  gradients?: 'overwrite' | 'accumulate';
  /** Whether this backward completes the step's gradients (data parallelism); default true. */
  syncGradients?: boolean;
}

/** What one training step reports. */
export interface ModelStepResult {
  /** The total loss. */
  loss: number;
  /** Named scalar terms of the loss, for the metrics log. */
  terms: Readonly<Record<string, number>>;
  /** The optimizer's report when it stepped. */
  report?: StepReport;
}

/** A training batch built from one scan; `tensors` are owned by it and disposed by the stack. */
export interface ModelBatch<B = unknown> {
  readonly batch: B;
  readonly tensors: readonly Tensor[];
  /** Free-form description for logs (DeepSC-COVID: how the patch was chosen). */
  readonly note?: string;
}

/** What a model says about one scan, on the grid of the image it was given. */
export interface ModelPrediction {
  /** Class probabilities in `tasks.classes` order; empty when the model does not classify. */
  readonly probabilities: readonly number[];
  /** Lesion probability per voxel, same layout as the image (`tasks.segmentation`). */
  readonly lesion?: Float32Array;
  /** Extra maps by name (`tasks.maps`), same layout as the image. */
  readonly maps?: Readonly<Record<string, Float32Array>>;
}

/** Options of {@link ModelSpec.predict}. */
export interface ModelPredictOptions {
  /** Overlap of neighbouring sliding windows, in [0, 1); default 0.5. */
  overlap?: number;
  /** Called after each window. */
  onWindow?: (done: number, total: number) => void;
}

/**
 * A network the stack can train, predict with and evaluate. `Config` is the model's resolved
 * configuration (what checkpoints record), `Net` its built instance, `B` its batch.
 */
export interface ModelSpec<
  Config = unknown,
  Net extends ModelInstance<Config> = ModelInstance<Config>,
  B = unknown,
> {
  /** Registry name (`deepsc-covid`, `unet3d`): what `model.name` in a config and `--model` select. */
  readonly name: string;
  /** The package version (recorded in checkpoints). */
  readonly version: string;
  /** One line for `deepsc models` and reports. */
  readonly description: string;
  /** Preset names the `model.preset` field accepts. */
  readonly presets: readonly string[];
  /**
   * Checks and completes a training configuration's `model` section (everything but `name`)
   * and, when the model has loss options, its `loss` section.
   * @throws RangeError whose message lists each problem, naming the field (`model.patchSize: ...`).
   */
  resolveConfig(sections: { model: Readonly<Record<string, unknown>>; loss?: unknown }): Config;
  /** What it predicts. */
  tasks(config: Config): ModelTasks;
  /** The grid [i, j, k] scans are preprocessed to for training and validation. */
  scanGrid(config: Config): readonly [number, number, number];
  /** The smallest image [i, j, k] `predict` takes. */
  minimumInput(config: Config): readonly [number, number, number];
  /** Parameter groups and learning rates from the training configuration's optimizer section. */
  optimizer(config: Config, optimizer: TrainingOptimizer): ModelOptimizer;
  /** Builds and compiles. @throws RangeError for a configuration it cannot build. */
  create(config: Config, options: CreateModelOptions): Net;
  /**
   * One training batch from one scan (on the model's grid), every random choice drawn from
   * `random` (so a resumed run draws the same).
   * @param sampling - the training configuration's `data` sampling options (model-defined fields).
   */
  makeBatch(
    net: Net,
    scan: ModelScan,
    sampling: Readonly<Record<string, unknown>>,
    random: RandomSource,
  ): ModelBatch<B>;
  /** Forward, loss, backward and (unless `step: false`) one optimizer step. */
  trainingStep(net: Net, batch: B, options?: ModelStepOptions): Promise<ModelStepResult>;
  /**
   * The most windows `predict` can run in one network call for `config` (`create`'s
   * `windowBatch`); absent: any number. (DeepSC-COVID's joint variants: 1, their graph takes
   * one patch region per batch.)
   */
  maxWindowBatch?(config: Config): number;
  /**
   * Inference on an image of any size >= `minimumInput` (memory bounded by windows), on `net`'s
   * device, the windows `windowBatch` at a time when `net` was created with it.
   */
  predict(net: Net, image: GridVolume<Float32Array>, options?: ModelPredictOptions): Promise<ModelPrediction>;
  /** Forward FLOPs of one inference on a scan of the training grid (the study's efficiency table). */
  forwardFlopsPerScan?(config: Config): number;
}

/** A {@link ModelSpec} with its type parameters erased: what registries and the generic stack hold. */
// biome-ignore lint/suspicious/noExplicitAny: the erased form of a generic interface
export type AnyModelSpec = ModelSpec<any, ModelInstance<any>, any>;

/**
 * Checks that `value` looks like a {@link ModelSpec} (a package's `model` export), naming what
 * is missing. @throws TypeError naming `source` and the missing members.
 */
export function checkModelSpec(value: unknown, source: string): AnyModelSpec {
  const required = [
    'resolveConfig',
    'tasks',
    'scanGrid',
    'minimumInput',
    'optimizer',
    'create',
    'makeBatch',
    'trainingStep',
    'predict',
  ] as const;
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`${source}: its 'model' export is not a model spec (got ${typeof value})`);
  const v = value as Record<string, unknown>;
  const missing: string[] = [];
  for (const k of ['name', 'version', 'description'] as const) if (typeof v[k] !== 'string') missing.push(k);
  if (!Array.isArray(v.presets)) missing.push('presets');
  for (const k of required) if (typeof v[k] !== 'function') missing.push(`${k}()`);
  if (missing.length)
    throw new TypeError(`${source}: its 'model' export is not a model spec: missing ${missing.join(', ')}`);
  return value as AnyModelSpec;
}
