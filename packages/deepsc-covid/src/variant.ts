/**
 * The ablation variants of DeepSC-COVID and what each one builds and trains.
 * @module
 */

/**
 * Which parts are built and trained:
 * - `joint` (default): both streams, cross-stitch, lesion and classification subnets, task-aware term;
 * - `segmentation-only`: patch stem and lesion subnet, segmentation loss only;
 * - `classification-only`: whole-scan stem and classification subnet (no lesion channel), classification loss only;
 * - `joint-without-task-aware`: the joint network with the task-aware weight forced to 0;
 * - `joint-without-cross-stitch`: the joint network and loss (task-aware term included) with the
 *   cross-stitch unit removed: each stem's features go straight to its stream, so the streams
 *   meet only through the task-aware term and the whole-scan lesion channel; no `cross_stitch.*`
 *   parameters and no level-0 region inputs.
 */
export type Variant =
  | 'joint'
  | 'segmentation-only'
  | 'classification-only'
  | 'joint-without-task-aware'
  | 'joint-without-cross-stitch';

/** Every variant, for validation and CLI help. */
export const VARIANTS: readonly Variant[] = [
  'joint',
  'segmentation-only',
  'classification-only',
  'joint-without-task-aware',
  'joint-without-cross-stitch',
];

/** The variant has the whole-scan stream and the classification subnet. */
export const hasClassifier = (v: Variant): boolean => v !== 'segmentation-only';

/** The variant has the patch stream and the lesion subnet. */
export const hasSegmentation = (v: Variant): boolean => v !== 'classification-only';

/** Both streams (and so the region inputs, the whole-scan lesion channel and the evidence maps in the patch). */
export const isJoint = (v: Variant): boolean => hasClassifier(v) && hasSegmentation(v);

/** The cross-stitch unit between the two streams' stems. */
export const hasCrossStitch = (v: Variant): boolean => isJoint(v) && v !== 'joint-without-cross-stitch';

/** The task-aware term has its weight (the others force it to 0). */
export const hasTaskAwareTerm = (v: Variant): boolean => v === 'joint' || v === 'joint-without-cross-stitch';
