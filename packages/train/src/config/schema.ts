/**
 * The training configuration as a zod schema: every field with its default, so a config file
 * names only what it changes. Validation errors name the field and the allowed values
 * (see `config-error.ts`).
 * @module
 */
import { MAX_WORKER_THREADS } from '@deepsc/io';
import { z } from 'zod';

const int = (min: number) => z.number().int().min(min);
const positive = z.number().positive();

/**
 * Bounds of every axis of `model.wholeSize` and `patchSize`, in voxels. Below 4 the network's
 * first stride-2 level cannot halve the axis (`planStrides` of `@deepsc/core` keeps at least 2
 * voxels), so every level would run at one voxel's resolution: not a network, a per-voxel
 * classifier. Above 1024 one input alone is gigabytes.
 */
export const MIN_SCAN_AXIS = 4;
export const MAX_SCAN_AXIS = 1024;
/** Most micro-batches per optimizer step (`training.accumulate`). */
export const MAX_ACCUMULATE = 1024;
/** Most scans an epoch may take (`training.stepsPerEpoch` times `training.accumulate`). */
export const MAX_SCANS_PER_EPOCH = 1_000_000;
/** Most epochs (`training.epochs`). */
export const MAX_EPOCHS = 100_000;

// the minimum is checked with the preset's sizes by resolveNetworkConfig, which says why
const axis = int(1).max(MAX_SCAN_AXIS);
const size3 = z.tuple([axis, axis, axis]);
const fraction = z.number().min(0).max(1);

/** Model section: a core preset plus overrides of its sizes and widths. */
export const modelSchema = z
  .object({
    /** Network preset of `@deepsc/core`: `paper` (published sizes), `cpu` (2 cores), `tiny` (tests). */
    preset: z.enum(['paper', 'cpu', 'tiny']).default('cpu'),
    /** Ablation variant. */
    variant: z
      .enum([
        'joint',
        'segmentation-only',
        'classification-only',
        'joint-without-task-aware',
        'joint-without-cross-stitch',
      ])
      .default('joint'),
    /** Whole-scan input `[D, H, W]`; default the preset's. Scans are resampled to it after cropping to the lungs. */
    wholeSize: size3.optional(),
    /** Patch input `[D, H, W]`; default the preset's. Patches are cut from the whole-scan grid. */
    patchSize: size3.optional(),
    stemWidth: int(4).optional(),
    unetWidths: z.tuple([int(1), int(1), int(1), int(1)]).optional(),
    clsWidths: z.tuple([int(1), int(1), int(1)]).optional(),
    groups: int(1).optional(),
  })
  .strict();

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
    /** Learning rate of the lesion subnet and the cross-stitch units. */
    segmentationLr: positive.default(5e-3),
    betas: z.tuple([fraction, fraction]).default([0.9, 0.999]),
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
 * Loss section: the task-aware loss's weights, named as `@deepsc/core`'s `TaskAwareLossOptions`;
 * fields left out take the published defaults there.
 */
export const lossSchema = z
  .object({
    ceWeight: z.number().min(0).optional(),
    focalWeight: z.number().min(0).optional(),
    focalGamma: z.number().min(0).optional(),
    /** Class weights of COVID-19, CAP, non-pneumonia for cross-entropy and focal loss. */
    classWeights: z.tuple([positive, positive, positive]).optional(),
    diceWeight: z.number().min(0).optional(),
    segCeWeight: z.number().min(0).optional(),
    /** Voxel weights of background and lesion in the segmentation cross-entropy. */
    segClassWeights: z.tuple([positive, positive]).optional(),
    diceEps: positive.optional(),
    taskWeight: z.number().min(0).optional(),
    levelWeights: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]).optional(),
  })
  .strict();

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
    /** Metric of the validation split that picks the best checkpoint. */
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
    model: modelSchema.default({ preset: 'cpu', variant: 'joint' }),
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
