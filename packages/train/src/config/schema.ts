/**
 * The training configuration as a zod schema: every field with its default, so a config file
 * names only what it changes. Validation errors name the field and the allowed values
 * (see `config-error.ts`).
 * @module
 */
import { optimizerDefaults } from '@deepsc/core';
import { MAX_WORKER_THREADS } from '@deepsc/io';
import { z } from 'zod';

const int = (min: number) => z.number().int().min(min);
const positive = z.number().positive();

/** Most micro-batches per optimizer step (`training.accumulate`). */
export const MAX_ACCUMULATE = 1024;
/** Most scans an epoch may take (`training.stepsPerEpoch` times `training.accumulate`). */
export const MAX_SCANS_PER_EPOCH = 1_000_000;
/** Most epochs (`training.epochs`). */
export const MAX_EPOCHS = 100_000;

const fraction = z.number().min(0).max(1);

/** The model a configuration trains when it names none (every configuration before models had names). */
export const DEFAULT_MODEL_NAME = 'deepsc-covid';

/**
 * Model section: `name` picks the model (a registry name such as `deepsc-covid` or `unet3d`, a
 * package name, or a path to a module, relative to the config file; `model-registry.ts`); every
 * other field belongs to that model and is checked by its spec's `resolveConfig` (DeepSC-COVID:
 * `preset`, `variant`, `wholeSize`, `patchSize`, widths).
 */
export const modelSchema = z
  .object({
    name: z.string().min(1).default(DEFAULT_MODEL_NAME),
  })
  .catchall(z.unknown());

/** Data section. */
export const dataSchema = z
  .object({
    /** Manifest (JSON or CSV) of `@deepsc/io`; relative to the config file. */
    manifest: z.string().min(1),
    /** Fractions of the stratified split, and its seed. */
    split: z
      .object({
        train: fraction.default(0.7),
        val: fraction.default(0.1),
        test: fraction.default(0.2),
        seed: int(0).default(0),
      })
      .strict()
      .default({ train: 0.7, val: 0.1, test: 0.2, seed: 0 }),
    /** Margin around the lungs kept when cropping, in mm; default 8. */
    cropMarginMm: z.number().min(0).default(8),
    /** Lung masks from the manifest (`file`), computed when missing (`compute`), or not used (`none`). */
    lungMask: z.enum(['file', 'compute', 'none']).default('compute'),
    /** Preprocessed-scan cache folder; default `<out>/cache`. */
    cacheDir: z.string().optional(),
    /** Loader worker threads; default 1, at most io's {@link MAX_WORKER_THREADS} (each holds scans in memory). */
    workers: int(0).max(MAX_WORKER_THREADS).default(1),
    /** Share of patches forced to hold lesion (paper 0.6). */
    lesionPatchProbability: fraction.default(0.6),
    /** Least lesion fraction of a forced patch's voxels (paper 0.01). */
    minLesionFraction: fraction.default(0.01),
    /** Seeded augmentation of each training scan (both streams and the masks alike); see `@deepsc/io` `augment`. */
    augment: z
      .object({
        /** `off` trains on the scans as they are. */
        mode: z.enum(['on', 'off']).default('on'),
        /** Left-right flips. */
        flipProbability: fraction.default(0.5),
        /** Rotation (in-plane, up to `rotateDeg` degrees) and scaling (`scale`). */
        affineProbability: fraction.default(0.3),
        rotateDeg: z.number().min(0).max(45).default(10),
        scale: z.tuple([positive, positive]).default([0.9, 1.1]),
        noiseProbability: fraction.default(0.3),
        noiseSd: z.number().min(0).default(0.02),
        gammaProbability: fraction.default(0.3),
        gamma: z.tuple([positive, positive]).default([0.8, 1.25]),
      })
      .strict()
      .default({
        mode: 'on',
        flipProbability: 0.5,
        affineProbability: 0.3,
        rotateDeg: 10,
        scale: [0.9, 1.1],
        noiseProbability: 0.3,
        noiseSd: 0.02,
        gammaProbability: 0.3,
        gamma: [0.8, 1.25],
      }),
  })
  .strict();

/** Optimizer section (the paper: Adam (0.9, 0.999), 2e-3 stems and classifier, 5e-3 lesion subnet and cross-stitch). */
export const optimizerSchema = z
  .object({
    kind: z.enum(['adam', 'adamw', 'sgd']).default('adam'),
    /** Learning rate of the stems and the classifier. */
    lr: positive.default(2e-3),
    /**
     * Learning rate of a model's segmentation group, for models that train one at its own rate
     * (DeepSC-COVID: the lesion subnet and the cross-stitch units); others ignore it.
     */
    segmentationLr: positive.default(5e-3),
    /** Adam/AdamW: PyTorch's (core's `optimizerDefaults.betas`, the paper's too). */
    betas: z.tuple([fraction, fraction]).default([...optimizerDefaults.betas]),
    /** SGD: this recipe's 0.9, not PyTorch's `optimizerDefaults.momentum` (0, plain SGD). */
    momentum: fraction.default(0.9),
    weightDecay: z.number().min(0).default(0),
    /** Clip the global gradient norm to this; default off. */
    clipGradNorm: positive.optional(),
  })
  .strict();

/** Learning-rate schedule section, applied per epoch to every group's base rate. */
export const scheduleSchema = z
  .object({
    /** `step` (halving every `stepEpochs`, as published), `cosine`, `poly` or `constant`. */
    kind: z.enum(['step', 'cosine', 'poly', 'constant']).default('step'),
    stepEpochs: int(1).default(20),
    gamma: z.number().positive().max(1).default(0.5),
    power: positive.default(0.9),
    /** Floor of `cosine` and `poly`, as a fraction of the base rate. */
    minFactor: fraction.default(0),
    /** Linear warm-up over this many epochs (fractional allowed), from 0 to the scheduled rate. */
    warmupEpochs: z.number().min(0).default(0),
  })
  .strict();

/**
 * Loss section: the model's loss options, checked by its spec's `resolveConfig` (DeepSC-COVID:
 * the task-aware loss's weights); fields left out take the model's defaults.
 */
export const lossSchema = z.record(z.string(), z.unknown());

/** Training loop section. */
export const trainingSchema = z
  .object({
    epochs: int(1).max(MAX_EPOCHS).default(300),
    /**
     * Optimizer steps per epoch; default ceil(training scans / accumulate), each scan once.
     * Times `accumulate`, at most {@link MAX_SCANS_PER_EPOCH}.
     */
    stepsPerEpoch: int(1).max(MAX_SCANS_PER_EPOCH).optional(),
    /**
     * Scans (micro-batches of one) per optimizer step: their gradients are averaged, so a step
     * is that of a batch of `accumulate` scans. Integer >= 1; default 1.
     */
    accumulate: int(1).max(MAX_ACCUMULATE).default(1),
    /** Validate every N epochs (0: never). */
    validateEvery: int(0).default(1),
    /**
     * Metric of the validation split that picks the best checkpoint: one the model gives
     * (`accuracy`, `auc`, `loss` for a classifier, `dice` for segmentation).
     */
    bestMetric: z.enum(['accuracy', 'auc', 'dice', 'loss']).default('accuracy'),
    /** Stop after this many validations without improvement of `bestMetric` (0: never). */
    earlyStopPatience: int(0).default(0),
    /** Write a checkpoint every N epochs (always at the end, on Ctrl-C and for a new best). */
    checkpointEvery: int(1).default(1),
    /** Periodic checkpoints kept (the best and the last are always kept). */
    keepCheckpoints: int(1).default(2),
    /** Evaluation threshold of the lesion probability. */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /**
     * Where the networks run: `cpu` (default) or `cuda` (needs an engine built with CUDA and a
     * visible GPU; the task-aware loss then runs inside the graph). Checkpoints resume on
     * either device.
     */
    device: z.enum(['cpu', 'cuda']).default('cpu'),
    /**
     * Precision of the networks' matrix products, passed to the model's compile (`precision` of
     * `@deepsc/core`'s compile options; docs/architecture.md, "Precision"): `fp32` (default);
     * `tf32` and `bf16` (conv3d on the GPU's tensor cores, fp32 accumulation) only with
     * `device: cuda` and an engine built with DEEPSC_CUDA_LOWP (their kernels await checks on a
     * GPU): training refuses them elsewhere before anything is written (checkTrainingPrecision).
     */
    precision: z.enum(['fp32', 'tf32', 'bf16']).default('fp32'),
    /**
     * Activation checkpointing: segments of the network (node-name prefixes such as
     * `lesion.enc1`, `stem_whole`, `classifier.block1`) whose activations are recomputed in the
     * backward pass instead of kept, for sizes that would not fit otherwise. Results are
     * bitwise the same; each step costs the segments' forward once more. Default none.
     */
    recompute: z.array(z.string().min(1)).max(64).default([]),
  })
  .strict();

/** The whole configuration file. */
export const trainConfigSchema = z
  .object({
    $schema: z.string().optional(),
    /** Named base the file's fields are applied over: `demo`, `cpu` or `paper`. */
    preset: z.enum(['demo', 'cpu', 'paper']).optional(),
    /** Seed of the initialisation and of every random choice of training. */
    seed: int(0).default(0),
    /** Run folder: checkpoints, `metrics.jsonl`, `run.json`. Relative to the config file. */
    out: z.string().min(1).default('runs/deepsc'),
    /** Run name (`run.json`). */
    name: z.string().min(1).default('deepsc'),
    model: modelSchema.default({ name: DEFAULT_MODEL_NAME }),
    data: dataSchema,
    optimizer: optimizerSchema.default(optimizerSchema.parse({})),
    schedule: scheduleSchema.default(scheduleSchema.parse({})),
    loss: lossSchema.default({}),
    training: trainingSchema.default(trainingSchema.parse({})),
    /**
     * Op plugin libraries (`.so` files built against `@deepsc/native`'s `deepsc/plugin.h`,
     * docs/custom-ops.md) loaded before the network is built, by training, resume and `deepsc
     * predict` of its checkpoints. Relative to the config file. Default none.
     */
    plugins: z.array(z.string().min(1)).max(32).default([]),
  })
  .strict();

/** A validated configuration with every default filled in. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
/** A configuration as written (defaults may be left out). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
