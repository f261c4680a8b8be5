/**
 * Resampling a volume through a voxel-to-voxel affine map: on its own grid (augmentation) or
 * onto another grid (a prediction back onto the scan's own geometry).
 * @module
 */

import { type Affine, createVolume, type Volume, type VoxelArray } from '../volume.js';
import { invertAffine, multiplyAffine } from './affine-math.js';
import { allocLike, checkInterpolation, type Interpolation } from './interpolation.js';

/** A map from output voxel coordinates p to input voxel coordinates `m p + t` (3x3 row-major and a translation). */
export interface VoxelMap {
  readonly m: readonly [number, number, number, number, number, number, number, number, number];
  readonly t: readonly [number, number, number];
}

/** An output grid: voxel counts along i, j, k and the voxel-to-RAS affine. */
export interface Grid {
  readonly dims: readonly [number, number, number];
  readonly affine: Affine;
}

/**
 * Samples `volume` at `map(p)` for every voxel p of the output grid (by default the input's own
 * dims and affine). Points more than half a voxel outside the input get `padValue`; others are
 * clamped to the edge.
 *
 * @param volume - the input.
 * @param map - output voxel to input voxel.
 * @param interpolation - `linear` (Float32 output) or `nearest` (the input's type).
 * @param padValue - value outside the input; default 0.
 * @param grid - the output grid; default the input's.
 * @throws RangeError for a bad interpolation.
 */
export function warpVolume<T extends VoxelArray>(
  volume: Volume<T>,
  map: VoxelMap,
  interpolation: Interpolation,
  padValue = 0,
  grid: Grid = volume,
): Volume<T | Float32Array> {
  checkInterpolation(interpolation);
  const [ni, nj, nk] = volume.dims;
  const [oi, oj, ok] = grid.dims;
  const src = volume.data;
  const count = oi * oj * ok;
  const out =
    interpolation === 'nearest' ? allocLike(src, count) : (allocLike('float32', count) as Float32Array);
  const m = map.m;
  const nij = ni * nj;
  let o = 0;
  for (let k = 0; k < ok; k++) {
    for (let j = 0; j < oj; j++) {
      let x = m[1] * j + m[2] * k + map.t[0];
      let y = m[4] * j + m[5] * k + map.t[1];
      let z = m[7] * j + m[8] * k + map.t[2];
      for (let i = 0; i < oi; i++, o++, x += m[0], y += m[3], z += m[6]) {
        if (x < -0.5 || y < -0.5 || z < -0.5 || x > ni - 0.5 || y > nj - 0.5 || z > nk - 0.5) {
          out[o] = padValue;
          continue;
        }
        const cx = x < 0 ? 0 : x > ni - 1 ? ni - 1 : x;
        const cy = y < 0 ? 0 : y > nj - 1 ? nj - 1 : y;
        const cz = z < 0 ? 0 : z > nk - 1 ? nk - 1 : z;
        if (interpolation === 'nearest') {
          out[o] = src[Math.round(cx) + ni * Math.round(cy) + nij * Math.round(cz)] as number;
          continue;
        }
        const x0 = Math.floor(cx);
        const y0 = Math.floor(cy);
        const z0 = Math.floor(cz);
        const x1 = x0 + 1 < ni ? x0 + 1 : x0;
        const y1 = y0 + 1 < nj ? y0 + 1 : y0;
        const z1 = z0 + 1 < nk ? z0 + 1 : z0;
        const fx = cx - x0;
        const fy = cy - y0;
        const fz = cz - z0;
        const a = ni * y0 + nij * z0;
        const b = ni * y1 + nij * z0;
        const c = ni * y0 + nij * z1;
        const d = ni * y1 + nij * z1;
        const v00 = (src[a + x0] as number) + fx * ((src[a + x1] as number) - (src[a + x0] as number));
        const v10 = (src[b + x0] as number) + fx * ((src[b + x1] as number) - (src[b + x0] as number));
        const v01 = (src[c + x0] as number) + fx * ((src[c + x1] as number) - (src[c + x0] as number));
        const v11 = (src[d + x0] as number) + fx * ((src[d + x1] as number) - (src[d + x0] as number));
        const v0 = v00 + fy * (v10 - v00);
        const v1 = v01 + fy * (v11 - v01);
        out[o] = v0 + fz * (v1 - v0);
      }
    }
  }
  return createVolume(out, grid.dims, grid.affine);
}

/**
 * Samples `source` at the centre of every voxel of `reference` through both affines (world
 * coordinates), so a result computed on one grid lands voxel for voxel on another, whatever its
 * spacing, size or orientation. Points more than half a voxel outside the source get `padValue`.
 *
 * @param interpolation - `linear` (default; Float32 output) or `nearest`.
 * @param padValue - default 0.
 * @throws RangeError when either affine is singular.
 */
export function resampleToGrid<T extends VoxelArray>(
  source: Volume<T>,
  reference: Grid,
  interpolation: Interpolation = 'linear',
  padValue = 0,
): Volume<T | Float32Array> {
  const a = multiplyAffine(invertAffine(source.affine), reference.affine);
  const [r0, r1, r2] = a;
  const map: VoxelMap = {
    m: [r0[0], r0[1], r0[2], r1[0], r1[1], r1[2], r2[0], r2[1], r2[2]],
    t: [r0[3], r1[3], r2[3]],
  };
  return warpVolume(source, map, interpolation, padValue, reference);
}
