/**
 * Resampling a volume onto another volume's grid through both affines (world coordinates), so
 * a prediction made on the network's cropped and resampled grid lands voxel for voxel on the
 * input scan's own grid, whatever its spacing, size or orientation.
 * @module
 */
import { type Affine, createVolume, invertAffine, multiplyAffine, type Volume } from '@deepsc/io';

/** A grid: dims (i, j, k) and voxel-to-RAS affine. */
export interface Grid {
  readonly dims: readonly [number, number, number];
  readonly affine: Affine;
}

/**
 * Samples `source` (trilinear) at the centre of every voxel of `reference`. Points more than half
 * a voxel outside the source get `padValue`.
 * @param padValue - default 0.
 * @throws RangeError when either affine is singular.
 */
export function resampleToReference(source: Volume, reference: Grid, padValue = 0): Volume<Float32Array> {
  const m = multiplyAffine(invertAffine(source.affine), reference.affine);
  const [ni, nj, nk] = source.dims;
  const [ri, rj, rk] = reference.dims;
  const src = source.data;
  const out = new Float32Array(ri * rj * rk);
  const nij = ni * nj;
  const [r0, r1, r2] = m as unknown as [number[], number[], number[]];
  let o = 0;
  for (let k = 0; k < rk; k++) {
    for (let j = 0; j < rj; j++) {
      for (let i = 0; i < ri; i++, o++) {
        const x = (r0[0] as number) * i + (r0[1] as number) * j + (r0[2] as number) * k + (r0[3] as number);
        const y = (r1[0] as number) * i + (r1[1] as number) * j + (r1[2] as number) * k + (r1[3] as number);
        const z = (r2[0] as number) * i + (r2[1] as number) * j + (r2[2] as number) * k + (r2[3] as number);
        if (x < -0.5 || y < -0.5 || z < -0.5 || x > ni - 0.5 || y > nj - 0.5 || z > nk - 0.5) {
          out[o] = padValue;
          continue;
        }
        const cx = x < 0 ? 0 : Math.min(x, ni - 1);
        const cy = y < 0 ? 0 : Math.min(y, nj - 1);
        const cz = z < 0 ? 0 : Math.min(z, nk - 1);
        const x0 = Math.floor(cx);
        const y0 = Math.floor(cy);
        const z0 = Math.floor(cz);
        const x1 = x0 + 1 < ni ? x0 + 1 : x0;
        const y1 = y0 + 1 < nj ? y0 + 1 : y0;
        const z1 = z0 + 1 < nk ? z0 + 1 : z0;
        const fx = cx - x0;
        const fy = cy - y0;
        const fz = cz - z0;
        const at = (a: number, b: number, c: number) => src[a + ni * b + nij * c] as number;
        const c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx;
        const c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx;
        const c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx;
        const c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx;
        out[o] = (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
      }
    }
  }
  return createVolume(out, reference.dims, reference.affine);
}
