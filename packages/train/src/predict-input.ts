/**
 * What a scan must be before the model is asked about it: a 3D volume with at least the
 * model's minimum number of voxels along every axis, a plausible voxel size, and finite
 * voxel values (or, when the caller chooses, non-finite voxels replaced by air and counted).
 * A scan that fails is refused with the numbers, never classified.
 * @module
 */
import { createVolume, type Volume, type VoxelArray } from '@deepsc/io';
import { countNonFinite } from './non-finite.js';
import { PredictionError } from './prediction-error.js';

/** Voxel sizes accepted, in mm: below 0.01 mm or above 50 mm no CT scanner is plausible. */
export const VOXEL_SIZE_RANGE_MM = [0.01, 50] as const;

/** Fewest voxels along any axis whatever the network: a thinner volume is a slice or a line, not a CT volume. */
export const MIN_VOXELS_PER_AXIS = 4;

/** The value non-finite voxels are read as with the `replace` policy: air, in HU. */
export const NON_FINITE_REPLACEMENT_HU = -1000;

/**
 * What to do with NaN or infinite voxels: `error` (default) refuses the scan naming the count;
 * `replace` reads them as air ({@link NON_FINITE_REPLACEMENT_HU}) and reports the count.
 */
export type NonFiniteVoxelPolicy = 'error' | 'replace';

/**
 * The fewest voxels a scan needs along its i, j, k axes for a model: its spec's
 * `minimumInput` (DeepSC-COVID: the cells of the whole-scan stream's coarsest feature grid),
 * and at least {@link MIN_VOXELS_PER_AXIS}.
 */
export function minimumInputDims(modelMinimum: readonly [number, number, number]): [number, number, number] {
  return modelMinimum.map((n) => Math.max(MIN_VOXELS_PER_AXIS, n)) as [number, number, number];
}

/** A scan accepted for prediction, with the count of non-finite voxels replaced (0 unless `replace`). */
export interface CheckedInput {
  volume: Volume<VoxelArray>;
  nonFiniteVoxels: number;
}

const fmt = (v: readonly number[]) => `[${v.map((x) => +x.toPrecision(6)).join(', ')}]`;

/**
 * Checks a scan before prediction (see the module comment) and applies the non-finite policy.
 * @param modelMinimum - the model's `minimumInput` [i, j, k].
 * @throws PredictionError for too few voxels along an axis, a voxel size outside
 *   {@link VOXEL_SIZE_RANGE_MM}, or non-finite voxels under the `error` policy.
 */
export function checkPredictInput(
  ct: Volume<VoxelArray>,
  modelMinimum: readonly [number, number, number],
  policy: NonFiniteVoxelPolicy = 'error',
): CheckedInput {
  const min = minimumInputDims(modelMinimum);
  if (ct.dims.some((n, a) => n < (min[a] as number)))
    throw new PredictionError(
      `the scan is ${ct.dims.join('x')} voxels; this network needs at least ${min.join('x')} (a 3D CT volume, not a slice)`,
    );
  const [lo, hi] = VOXEL_SIZE_RANGE_MM;
  if (ct.spacing.some((s) => !(s >= lo && s <= hi)))
    throw new PredictionError(
      `the scan's voxel size ${fmt(ct.spacing)} mm lies outside [${lo}, ${hi}] mm (check the header's voxel size and affine)`,
    );
  if (policy !== 'error' && policy !== 'replace')
    throw new RangeError(`non-finite voxel policy '${String(policy)}' must be 'error' or 'replace'`);
  const data = ct.data;
  // integer voxels are always finite
  if (!(data instanceof Float32Array || data instanceof Float64Array))
    return { volume: ct, nonFiniteVoxels: 0 };
  const bad = countNonFinite(data);
  if (bad === 0) return { volume: ct, nonFiniteVoxels: 0 };
  if (policy === 'error')
    throw new PredictionError(
      `${bad} of ${data.length} voxels of the scan are NaN or infinite; to read them as air (${NON_FINITE_REPLACEMENT_HU} HU) instead, use --non-finite-voxels replace (option nonFiniteVoxels: 'replace')`,
    );
  const copy = data.slice();
  for (let i = 0; i < copy.length; i++)
    if (!Number.isFinite(copy[i] as number)) copy[i] = NON_FINITE_REPLACEMENT_HU;
  return { volume: createVolume(copy, ct.dims, ct.affine), nonFiniteVoxels: bad };
}
