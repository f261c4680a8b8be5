/**
 * The cross-stitch unit between the whole-scan and the patch streams, with learnable scalars
 * `cross_stitch.alpha` (init 0.9) and `cross_stitch.beta` (init 0.1), as Misra et al. initialise
 * cross-stitch units:
 *
 *   whole' = alpha * whole + beta * paste(patch -> whole grid)
 *   patch' = alpha * patch + beta * resize(crop(whole, region) -> patch grid)
 *
 * where `paste` keeps the whole stream's own features outside the patch's region and puts the
 * patch's features (resampled to the region's size) inside it. Crop, resize and paste are the
 * region matrices of `region.ts` applied along each partial axis.
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import { alongAxis, scalar, weightedSum } from './layers.js';

/** Region matrices of level 0 per partial axis (graph inputs). */
export interface StitchMatrices {
  axis: number;
  crop: GraphValue;
  paste: GraphValue;
  inside: GraphValue;
}

/** Adds the unit (`cross_stitch.alpha`, `cross_stitch.beta`); returns the mixed `[whole, patch]` features. */
export function crossStitch(
  g: GraphBuilder,
  whole: GraphValue,
  patch: GraphValue,
  matrices: readonly StitchMatrices[],
): [GraphValue, GraphValue] {
  const s = g.scoped('cross_stitch');
  const alpha = scalar(s, 'alpha', 0.9);
  const beta = scalar(s, 'beta', 0.1);
  let cropped = whole;
  let pasted = patch;
  let inside = whole;
  for (const m of matrices) {
    cropped = alongAxis(g, cropped, m.crop, m.axis);
    pasted = alongAxis(g, pasted, m.paste, m.axis);
    inside = alongAxis(g, inside, m.inside, m.axis);
  }
  const other =
    matrices.length === 0
      ? patch
      : weightedSum(g, [
          [whole, 1],
          [pasted, 1],
          [inside, -1],
        ]);
  return [
    weightedSum(g, [
      [whole, alpha],
      [other, beta],
    ]),
    weightedSum(g, [
      [patch, alpha],
      [cropped, beta],
    ]),
  ];
}
