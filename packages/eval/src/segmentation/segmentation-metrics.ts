/**
 * Every segmentation metric of one scan in one call, sharing the crop and the distance
 * transforms.
 * @module
 */
import {
  averageSymmetricSurfaceDistance,
  hausdorffDistance,
  normalisedSurfaceDice,
} from './distance-metrics.js';
import { checkSameGrid, type MaskLike, toBinaryMask, voxelVolume } from './mask.js';
import {
  diceFromCounts,
  iouFromCounts,
  type OverlapCounts,
  overlapCounts,
  precisionFromCounts,
  sensitivityFromCounts,
} from './overlap.js';
import { surfaceDistances } from './surface-distance.js';

/** Which of the two masks hold any foreground; decides the empty-mask conventions. */
export type EmptinessCase = 'both-present' | 'both-empty' | 'truth-empty' | 'prediction-empty';

/** Options of {@link segmentationMetrics}. */
export interface SegmentationMetricOptions {
  /** Tolerance τ of the normalised surface Dice in mm. Default 1. */
  readonly nsdToleranceMm?: number;
  /** Percentile of the Hausdorff distance. Default 95. */
  readonly hausdorffPercentile?: number;
}

/**
 * Segmentation metrics of one scan. Conventions when masks are empty:
 *
 * | case | Dice, IoU | NSD | HD95, ASSD | sensitivity | precision |
 * | --- | --- | --- | --- | --- | --- |
 * | both empty | 1 | 1 | 0 | NaN | NaN |
 * | truth empty | 0 | 0 | Infinity | NaN | 0 |
 * | prediction empty | 0 | 0 | Infinity | 0 | NaN |
 *
 * NaN means undefined (a zero denominator); aggregates skip it.
 */
export interface SegmentationMetrics {
  readonly case: EmptinessCase;
  /** Dice similarity coefficient in [0, 1]. */
  readonly dice: number;
  /** Intersection over union in [0, 1]. */
  readonly iou: number;
  /** Voxel sensitivity TP / (TP + FN). */
  readonly sensitivity: number;
  /** Voxel precision TP / (TP + FP). */
  readonly precision: number;
  /** Symmetric 95th-percentile Hausdorff distance, mm. */
  readonly hd95: number;
  /** Average symmetric surface distance, mm. */
  readonly assd: number;
  /** Normalised surface Dice at `nsdToleranceMm`. */
  readonly nsd: number;
  /** The tolerance the NSD used, mm. */
  readonly nsdToleranceMm: number;
  /** Foreground volumes, mm^3. */
  readonly truthVolumeMm3: number;
  readonly predictionVolumeMm3: number;
  /** Voxel counts behind the overlap metrics. */
  readonly counts: OverlapCounts;
}

/** The metric names of {@link SegmentationMetrics} that aggregate as numbers. */
export const segmentationMetricNames = [
  'dice',
  'iou',
  'sensitivity',
  'precision',
  'hd95',
  'assd',
  'nsd',
] as const;
/** One of {@link segmentationMetricNames}. */
export type SegmentationMetricName = (typeof segmentationMetricNames)[number];

/**
 * Computes Dice, IoU, sensitivity, precision, HD95, ASSD and normalised surface Dice of a
 * predicted mask against a truth mask on the same voxel grid. Voxels > 0 are foreground;
 * distances are in mm from the masks' spacing (anisotropic spacing is exact). Surfaces are the
 * 6-neighbourhood boundary voxels (see `surfaceVoxels`); percentiles use numpy's linear
 * interpolation, so values match MONAI's `compute_hausdorff_distance`,
 * `compute_average_surface_distance(symmetric=True)` and `compute_surface_dice`.
 * @param pred predicted mask (e.g. a `Volume` of `@deepsc/io`).
 * @param truth ground-truth mask.
 * @throws RangeError when the masks' dims or spacings differ (naming both) or a tolerance or
 *   percentile is out of range.
 */
export function segmentationMetrics(
  pred: MaskLike,
  truth: MaskLike,
  options: SegmentationMetricOptions = {},
): SegmentationMetrics {
  const tol = options.nsdToleranceMm ?? 1;
  const p = options.hausdorffPercentile ?? 95;
  if (!(tol >= 0 && Number.isFinite(tol)))
    throw new RangeError(`nsdToleranceMm must be a finite number >= 0, got ${tol}`);
  if (!(p >= 0 && p <= 100)) throw new RangeError(`hausdorffPercentile must lie in [0, 100], got ${p}`);
  checkSameGrid(pred, truth);
  const pm = toBinaryMask(pred, 'prediction');
  const tm = toBinaryMask(truth, 'truth');
  const counts = overlapCounts(pm.data, tm.data);
  const np = counts.tp + counts.fp;
  const nt = counts.tp + counts.fn;
  const kase: EmptinessCase =
    np === 0 && nt === 0
      ? 'both-empty'
      : nt === 0
        ? 'truth-empty'
        : np === 0
          ? 'prediction-empty'
          : 'both-present';
  const d = surfaceDistances(pm.data, tm.data, tm.dims, tm.spacing);
  const vv = voxelVolume(tm.spacing);
  return {
    case: kase,
    dice: diceFromCounts(counts),
    iou: iouFromCounts(counts),
    sensitivity: sensitivityFromCounts(counts),
    precision: precisionFromCounts(counts),
    hd95: hausdorffDistance(d, p),
    assd: averageSymmetricSurfaceDistance(d),
    nsd: normalisedSurfaceDice(d, tol),
    nsdToleranceMm: tol,
    truthVolumeMm3: nt * vv,
    predictionVolumeMm3: np * vv,
    counts,
  };
}
