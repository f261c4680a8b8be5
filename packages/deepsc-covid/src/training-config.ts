/**
 * DeepSC-COVID's sections of a training configuration: `model` (a preset plus overrides of its
 * sizes, widths and groups, and the ablation variant) and `loss` (the task-aware loss's
 * weights), as zod schemas with their defaults, and their resolution into the network's
 * configuration with every problem named by its field.
 * @module
 */
import { ModelConfigError, parseModelSections } from '@deepsc/core';
import { z } from 'zod';
import { type DeepScCovidConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { resolveLossOptions, type TaskAwareLossOptions } from './loss-options.js';
import { type PresetName, presetConfig } from './presets.js';
import { VARIANTS, type Variant } from './variant.js';

/**
 * Bounds of every axis of `model.wholeSize` and `patchSize`, in voxels. Below 4 the network's
 * first stride-2 level cannot halve the axis (`planStrides` keeps at least 2 voxels), so every
 * level would run at one voxel's resolution: not a network, a per-voxel classifier. Above 1024
 * one input alone is gigabytes.
 */
export const MIN_SCAN_AXIS = 4;
export const MAX_SCAN_AXIS = 1024;

const int = (min: number) => z.number().int().min(min);
const positive = z.number().positive();
// the minimum is checked with the preset's sizes by resolveTrainingConfig, which says why
const axis = int(1).max(MAX_SCAN_AXIS);
const size3 = z.tuple([axis, axis, axis]);

/** The `model` section (everything but `name`): a preset plus overrides of its sizes and widths. */
export const modelSectionSchema = z
  .object({
    /** `paper` (published sizes), `cpu` (2 cores), `tiny` (tests). */
    preset: z.enum(['paper', 'cpu', 'tiny']).default('cpu'),
    /** Ablation variant. */
    variant: z.enum(VARIANTS as unknown as [Variant, ...Variant[]]).default('joint'),
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

/** The `loss` section: the task-aware loss's weights; fields left out take `TASK_AWARE_DEFAULTS`. */
export const lossSectionSchema = z
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

/** The `model` section with its defaults filled in. */
export type ModelSection = z.output<typeof modelSectionSchema>;

/** DeepSC-COVID's resolved training configuration: what checkpoints record. */
export interface DeepScCovidModelConfig {
  /** The `model` section as given, with its defaults (`preset`, `variant`) filled in. */
  readonly section: ModelSection;
  /** The network's configuration: the preset with the section's overrides, validated. */
  readonly network: ResolvedConfig;
  /** The `loss` section as given (defaults are `TASK_AWARE_DEFAULTS`). */
  readonly loss: TaskAwareLossOptions;
}

/** The network configuration a `model` section asks for: its preset with its overrides. */
export function sectionNetworkConfig(m: ModelSection): DeepScCovidConfig {
  const overrides: Partial<DeepScCovidConfig> = { variant: m.variant };
  if (m.wholeSize) overrides.wholeSize = m.wholeSize;
  if (m.patchSize) overrides.patchSize = m.patchSize;
  if (m.stemWidth !== undefined) overrides.stemWidth = m.stemWidth;
  if (m.unetWidths) overrides.unetWidths = m.unetWidths;
  if (m.clsWidths) overrides.clsWidths = m.clsWidths;
  if (m.groups !== undefined) overrides.groups = m.groups;
  return presetConfig(m.preset as PresetName, overrides);
}

/** Problems of a resolved network's sizes that the network itself accepts but training cannot use. */
function sizeProblems(r: ResolvedConfig): string[] {
  const problems: string[] = [];
  for (const [field, size] of [
    ['wholeSize', r.wholeSize],
    ['patchSize', r.patchSize],
  ] as const)
    if (size.some((n) => n < MIN_SCAN_AXIS || n > MAX_SCAN_AXIS))
      problems.push(
        `model.${field}: got [${size.join(', ')}]; every axis must be from ${MIN_SCAN_AXIS} (the network's smallest input: its first level halves each axis) to ${MAX_SCAN_AXIS} voxels`,
      );
  if (r.patchSize.some((n, a) => n > (r.wholeSize[a] as number)))
    problems.push(
      `model.patchSize: [${r.patchSize.join(', ')}] does not fit in model.wholeSize [${r.wholeSize.join(', ')}] (patches are cut from the whole-scan grid): make every axis <= the whole size's`,
    );
  return problems;
}

/**
 * Checks and completes the `model` section (a `name` field is the registry's and is ignored)
 * and the `loss` section.
 * @throws core's ModelConfigError (a RangeError) listing every problem, each naming its field
 *   (`model.patchSize: ...`, `loss.ceWeight: ...`).
 */
export function resolveTrainingConfig(sections: {
  model: Readonly<Record<string, unknown>>;
  loss?: unknown;
}): DeepScCovidModelConfig {
  const { model, loss } = parseModelSections(
    { model: modelSectionSchema, loss: lossSectionSchema },
    sections,
  );
  const problems: string[] = [];
  let network: ResolvedConfig;
  try {
    network = resolveConfig(sectionNetworkConfig(model));
  } catch (err) {
    // the network names its fields `config.<field>`: here they are the model section's
    throw new ModelConfigError([`model: ${(err as Error).message.replace(/\bconfig\./g, 'model.')}`]);
  }
  problems.push(...sizeProblems(network));
  try {
    resolveLossOptions(network.variant, loss);
  } catch (err) {
    problems.push(`loss: ${(err as Error).message}`);
  }
  if (problems.length) throw new ModelConfigError(problems);
  return { section: model, network, loss };
}
