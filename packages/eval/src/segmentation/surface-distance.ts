/**
 * Distances between the surfaces of two masks, in mm: for every surface voxel of one mask the
 * distance to the nearest surface voxel of the other (MONAI's `get_surface_distance` with
 * Euclidean distance). Both masks are first cropped to the bounding box of their union, which
 * holds every surface voxel, so the cost follows the lesions' extent, not the scan's.
 * @module
 */
import { boundingBox, boxDims, cropMask } from './bbox.js';
import { squaredDistanceTransform } from './edt.js';
import type { Triple } from './mask.js';
import { surfaceVoxels } from './surface.js';

/** The two directed sets of surface distances (mm), each sorted ascending. */
export interface SurfaceDistances {
  /** For each prediction surface voxel, the distance to the nearest truth surface voxel. */
  readonly predToTruth: Float64Array;
  /** For each truth surface voxel, the distance to the nearest prediction surface voxel. */
  readonly truthToPred: Float64Array;
}

/**
 * Directed surface distances between two 0/1 masks on the same grid (surfaces as in
 * `surfaceVoxels`: 6-neighbourhood, outside the volume = background). When one mask is empty
 * its direction is an empty array and the other direction is all `Infinity`.
 */
export function surfaceDistances(
  pred: Uint8Array,
  truth: Uint8Array,
  dims: Triple,
  spacing: Triple,
): SurfaceDistances {
  const box = boundingBox([pred, truth], dims);
  if (box === null) return { predToTruth: new Float64Array(0), truthToPred: new Float64Array(0) };
  const cd = boxDims(box);
  const p = cropMask(pred, dims, box);
  const t = cropMask(truth, dims, box);
  // outside the crop both masks are background, as outside the volume is, so surfaces found
  // in the crop are the surfaces of the whole masks
  const ps = surfaceVoxels(p, cd);
  const ts = surfaceVoxels(t, cd);
  return {
    predToTruth: directed(ps, ts, cd, spacing),
    truthToPred: directed(ts, ps, cd, spacing),
  };
}

function directed(from: Uint8Array, to: Uint8Array, dims: Triple, spacing: Triple): Float64Array {
  let n = 0;
  for (let v = 0; v < from.length; v++) n += from[v] as number;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const d2 = squaredDistanceTransform(to, dims, spacing);
  let o = 0;
  for (let v = 0; v < from.length; v++) if (from[v]) out[o++] = Math.sqrt(d2[v] as number);
  return out.sort();
}
