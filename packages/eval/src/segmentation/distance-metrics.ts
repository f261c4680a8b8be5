/**
 * Surface-distance metrics from directed surface distances: Hausdorff percentile distance,
 * average symmetric surface distance and normalised surface Dice, with MONAI's conventions.
 * @module
 */
import { percentileSorted } from '../stats/percentile.js';
import type { SurfaceDistances } from './surface-distance.js';

/**
 * Symmetric percentile Hausdorff distance in mm (HD95 for p = 95): the larger of the two
 * directed p-th percentiles, each with numpy's linear interpolation over the surface voxels'
 * distances (as MONAI `compute_hausdorff_distance(percentile=95, directed=False)`).
 * Both surfaces empty: 0. Exactly one empty: `Infinity` (no surface to reach).
 * @param p percentile in [0, 100], default 95 (100 gives the classic Hausdorff distance).
 */
export function hausdorffDistance(d: SurfaceDistances, p = 95): number {
  const a = d.predToTruth.length;
  const b = d.truthToPred.length;
  if (a === 0 && b === 0) return 0;
  if (a === 0 || b === 0) return Number.POSITIVE_INFINITY;
  return Math.max(percentileSorted(d.predToTruth, p), percentileSorted(d.truthToPred, p));
}

/**
 * Average symmetric surface distance in mm: the mean over the union of both directed distance
 * sets (MONAI `compute_average_surface_distance(symmetric=True)`, which pools the two
 * directions rather than averaging their means). Both empty: 0. Exactly one empty: `Infinity`.
 */
export function averageSymmetricSurfaceDistance(d: SurfaceDistances): number {
  const a = d.predToTruth.length;
  const b = d.truthToPred.length;
  if (a === 0 && b === 0) return 0;
  if (a === 0 || b === 0) return Number.POSITIVE_INFINITY;
  let s = 0;
  for (const x of d.predToTruth) s += x;
  for (const x of d.truthToPred) s += x;
  return s / (a + b);
}

/**
 * Normalised surface Dice at tolerance τ mm (Nikolov et al., "Clinically applicable
 * segmentation of head and neck anatomy for radiotherapy", JMIR 2021), counted over surface
 * voxels as MONAI `compute_surface_dice(use_subvoxels=False)` does:
 * (|{p: d(p, T) <= τ}| + |{t: d(t, P) <= τ}|) / (|∂P| + |∂T|).
 * Both empty: 1; exactly one empty: 0.
 * @param toleranceMm τ >= 0 in mm.
 * @throws RangeError when τ is negative or not finite.
 */
export function normalisedSurfaceDice(d: SurfaceDistances, toleranceMm: number): number {
  if (!(toleranceMm >= 0 && Number.isFinite(toleranceMm))) {
    throw new RangeError(
      `normalised surface Dice: tolerance must be a finite number of mm >= 0, got ${toleranceMm}`,
    );
  }
  const a = d.predToTruth.length;
  const b = d.truthToPred.length;
  if (a === 0 && b === 0) return 1;
  if (a === 0 || b === 0) return 0;
  // distances come from float32 squared distances: allow their rounding at the tolerance itself
  const t = toleranceMm + 1e-6 * Math.max(1, toleranceMm);
  return (countAtMost(d.predToTruth, t) + countAtMost(d.truthToPred, t)) / (a + b);
}

/** Number of entries <= x in an ascending array (binary search). */
function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
