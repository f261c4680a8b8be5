/**
 * The task-aware loss's weights and constants: their published defaults and their validation
 * per variant. The loss itself is built into the training graph (graph-loss.ts); these options
 * are compiled into it (`createDeepScCovid(config, { lossOptions })`).
 * @module
 */
import { hasTaskAwareTerm, type Variant } from './variant.js';

/** Weights and constants of the loss; every field has the published default. */
export interface TaskAwareLossOptions {
  /** Cross-entropy weight a_ce; default 1. */
  ceWeight?: number;
  /** Focal weight a_focal; default 2. */
  focalWeight?: number;
  /** Focal exponent gamma (>= 0); default 2. */
  focalGamma?: number;
  /** Class weights in class order (COVID-19, CAP, non-pneumonia); default [1, 1, 0.5]. */
  classWeights?: readonly number[];
  /** Soft Dice weight a_dice; default 1. */
  diceWeight?: number;
  /** Weighted cross-entropy weight a_wce; default 2. */
  segCeWeight?: number;
  /** Voxel weights [background, lesion] of the segmentation cross-entropy; default [0.1, 1]. */
  segClassWeights?: readonly [number, number];
  /** Soft Dice smoothing eps; default 1e-5. */
  diceEps?: number;
  /** Task-aware weight a_task; default 5 (0 for the variants without the term: `hasTaskAwareTerm`). */
  taskWeight?: number;
  /** Level weights b_1..b_3; default [0.25, 0.25, 0.5]. */
  levelWeights?: readonly [number, number, number];
}

/** The loss's defaults. */
export const TASK_AWARE_DEFAULTS: Readonly<Required<TaskAwareLossOptions>> = {
  ceWeight: 1,
  focalWeight: 2,
  focalGamma: 2,
  classWeights: [1, 1, 0.5],
  diceWeight: 1,
  segCeWeight: 2,
  segClassWeights: [0.1, 1],
  diceEps: 1e-5,
  taskWeight: 5,
  levelWeights: [0.25, 0.25, 0.5],
};

/**
 * Resolves the options for a variant (task weight 0 unless `joint` or `joint-without-cross-stitch`) and checks them.
 * @throws RangeError naming a negative or non-finite weight or exponent.
 */
export function resolveLossOptions(
  variant: Variant,
  o: TaskAwareLossOptions = {},
): Required<TaskAwareLossOptions> {
  const r = { ...TASK_AWARE_DEFAULTS, ...o };
  if (!hasTaskAwareTerm(variant)) r.taskWeight = 0;
  const scalars: (keyof TaskAwareLossOptions)[] = [
    'ceWeight',
    'focalWeight',
    'focalGamma',
    'diceWeight',
    'segCeWeight',
    'diceEps',
    'taskWeight',
  ];
  for (const k of scalars) {
    const v = r[k] as number;
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`loss option ${k} = ${v} must be a finite number >= 0`);
  }
  for (const k of ['classWeights', 'segClassWeights', 'levelWeights'] as const) {
    const arr = r[k];
    if (!Array.isArray(arr) || arr.some((v) => !Number.isFinite(v) || v < 0))
      throw new RangeError(`loss option ${k} = [${String(arr)}] must be finite numbers >= 0`);
  }
  if (r.segClassWeights.length !== 2)
    throw new RangeError('loss option segClassWeights must be [background, lesion]');
  if (r.levelWeights.length !== 3) throw new RangeError('loss option levelWeights must have three entries');
  return r;
}
