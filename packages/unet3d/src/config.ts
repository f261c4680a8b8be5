/**
 * The U-Net's sections of a training configuration: `model` (a preset plus overrides) and
 * `loss` (Dice + CE weights, smoothing, deep supervision), as zod schemas, and their
 * resolution into the network's configuration with every problem named by its field.
 * @module
 */
import { deepSupervisionWeights, ModelConfigError, parseModelSections } from '@deepsc/core';
import { z } from 'zod';
import { PRESETS, type PresetName } from './presets.js';
import { planStrides, type Size3, stageSizes } from './strides.js';

/** The largest axis of a scan or patch, in voxels (one input alone is gigabytes above). */
export const MAX_AXIS = 1024;

const int = (min: number) => z.number().int().min(min);
const axis = int(1).max(MAX_AXIS);
const size3 = z.tuple([axis, axis, axis]);

/** The `model` section (everything but `name`). */
export const modelSectionSchema = z
  .object({
    /** `paper`, `cpu` (default) or `tiny`. */
    preset: z.enum(['paper', 'cpu', 'tiny']).default('cpu'),
    /** The grid `[D, H, W]` scans are prepared to; default the preset's. */
    scanSize: size3.optional(),
    /** Training patch and inference window `[D, H, W]`; default the preset's. */
    patchSize: size3.optional(),
    baseWidth: int(1).max(1024).optional(),
    maxWidth: int(1).max(4096).optional(),
    maxStages: int(2).max(8).optional(),
    convsPerStage: int(1).max(4).optional(),
    /** Heads on the lower decoder resolutions, trained with nnU-Net's weights; default true. */
    deepSupervision: z.boolean().default(true),
    /** Share of training patches forced to hold lesion; default the preset's (1/3). */
    foregroundProbability: z.number().min(0).max(1).optional(),
  })
  .strict();

/** The `loss` section: nnU-Net's Dice + CE; fields left out take nnU-Net's values. */
export const lossSectionSchema = z
  .object({
    diceWeight: z.number().min(0).default(1),
    ceWeight: z.number().min(0).default(1),
    /** Dice smoothing; nnU-Net's 1e-5. */
    smooth: z.number().positive().default(1e-5),
    /** Dice over the batch's voxels together (nnU-Net's 3D default) or per sample. */
    batchDice: z.boolean().default(true),
    /** Deep-supervision outputs left out at the lowest resolutions (weight 0); nnU-Net's 1. */
    dropLowest: int(0).default(1),
  })
  .strict();

export type ModelSection = z.output<typeof modelSectionSchema>;
export type LossSection = z.output<typeof lossSectionSchema>;

/** The resolved configuration: what checkpoints record and the network is built from. */
export interface Unet3dConfig {
  /** The `model` section as given, with its defaults filled in. */
  readonly section: ModelSection;
  readonly scanSize: Size3;
  readonly patchSize: Size3;
  /** Channels per stage, full resolution first. */
  readonly widths: readonly number[];
  /** Stride of each stage (the first `[1, 1, 1]`). */
  readonly strides: readonly Size3[];
  readonly convsPerStage: number;
  readonly foregroundProbability: number;
  readonly loss: LossSection;
  /**
   * Deep-supervision weight of each decoder output, full resolution first (stages - 1 of them;
   * `[1]` without deep supervision). Outputs of weight 0 get no head.
   */
  readonly supervision: readonly number[];
}

/**
 * Checks and completes the `model` section (a `name` field is the registry's and is ignored)
 * and the `loss` section.
 * @throws ModelConfigError (a RangeError) listing every problem, each naming its field.
 */
export function resolveUnet3dConfig(sections: {
  model: Readonly<Record<string, unknown>>;
  loss?: unknown;
}): Unet3dConfig {
  const { model: s, loss } = parseModelSections(
    { model: modelSectionSchema, loss: lossSectionSchema },
    sections,
  );
  const problems: string[] = [];
  const p = PRESETS[s.preset as PresetName];
  const scanSize = s.scanSize ?? p.scanSize;
  const patchSize = s.patchSize ?? p.patchSize;
  const baseWidth = s.baseWidth ?? p.baseWidth;
  const maxWidth = s.maxWidth ?? p.maxWidth;
  if (patchSize.some((v, a) => v > (scanSize[a] as number)))
    problems.push(
      `model.patchSize: [${patchSize.join(', ')}] does not fit in model.scanSize [${scanSize.join(', ')}] (patches are cut from the prepared scan): make every axis <= the scan's`,
    );
  if (maxWidth < baseWidth)
    problems.push(`model.maxWidth: got ${maxWidth}; must be >= model.baseWidth (${baseWidth})`);
  const strides = planStrides(patchSize, s.maxStages ?? p.maxStages);
  if (strides.length < 2)
    problems.push(
      `model.patchSize: [${patchSize.join(', ')}] cannot be halved on any axis (an axis needs an even size >= 8), so the U-Net would have one stage: make an axis even and >= 8`,
    );
  const outputs = strides.length - 1;
  const dropLowest = s.deepSupervision ? loss.dropLowest : 0;
  if (s.deepSupervision && outputs >= 1 && dropLowest >= outputs)
    problems.push(
      `loss.dropLowest: got ${dropLowest}; the U-Net has ${outputs} decoder outputs, so at most ${outputs - 1} can be dropped`,
    );
  if (problems.length) throw new ModelConfigError(problems);
  const widths = strides.map((_, i) => Math.min(baseWidth * 2 ** i, maxWidth));
  return {
    section: s,
    scanSize,
    patchSize,
    widths,
    strides,
    convsPerStage: s.convsPerStage ?? p.convsPerStage,
    foregroundProbability: s.foregroundProbability ?? p.foregroundProbability,
    loss,
    supervision: s.deepSupervision ? deepSupervisionWeights(outputs, dropLowest) : [1],
  };
}

/** The feature grid of each stage (the bottleneck last). */
export const featureSizes = (c: Unet3dConfig): Size3[] => stageSizes(c.patchSize, c.strides);
