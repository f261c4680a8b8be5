/**
 * Drawing and painting pneumonia lesions: irregular blobs of ground glass with an optional
 * consolidated core, placed by lobe and by depth below the lung surface, clipped to the lung.
 * @module
 */
import type { Rng } from '../random.js';
import { LOBES, type Lobe } from './anatomy.js';
import type { SynthGrid } from './grid.js';
import type { LesionProfile } from './profiles.js';

/** One drawn lesion (RAS mm). */
export interface LesionParams {
  readonly lobe: Lobe;
  readonly centre: [number, number, number];
  /** Depth of the centre below the lung surface (mm). */
  readonly depthMm: number;
  /** Semi-axes (mm). */
  readonly radii: [number, number, number];
  readonly ggoHu: number;
  readonly consolidationFraction: number;
  readonly consolidationHu: number;
  /** Boundary irregularity: three plane waves (wave vector in units of the radii, phase). */
  readonly waves: [number, number, number, number][];
}

/** Voxel indices of each lobe and the lung-depth map, built once per scan. */
export interface LungIndex {
  readonly lobeVoxels: Int32Array[];
  /** Distance below the lung surface in mm per voxel (0 outside the lung). */
  readonly depth: Float32Array;
  readonly lungVolumeMm3: number;
}

/** Draws the lesions of one pneumonia scan from a profile. */
export function drawLesions(
  rng: Rng,
  profile: LesionProfile,
  index: LungIndex,
  g: SynthGrid,
): LesionParams[] {
  const count = rng.bernoulli(profile.singleProbability)
    ? 1
    : Math.min(profile.maxCount, 2 + rng.poisson(profile.extraMean));
  const vr = profile.volumeRatio;
  const ratio = Math.min(vr.max, Math.max(vr.min, rng.logNormal(vr.median, vr.sigma)));
  const shares = Array.from({ length: count }, () => rng.gamma(1.3));
  const total = shares.reduce((a, b) => a + b, 0);
  const unilateral = rng.bernoulli(profile.unilateralProbability);
  const fixedSide: 'R' | 'L' = rng.bernoulli(0.58) ? 'R' : 'L';
  const out: LesionParams[] = [];
  for (let n = 0; n < count; n++) {
    const side = unilateral ? fixedSide : rng.bernoulli(0.5) ? 'R' : 'L';
    const weights = LOBES.map((l) =>
      l.startsWith(side) && (index.lobeVoxels[LOBES.indexOf(l)]?.length ?? 0) > 0
        ? profile.lobeWeights[l]
        : 0,
    );
    if (!weights.some((w) => w > 0)) continue;
    const lobeIdx = rng.choiceIndex(weights);
    const lobe = LOBES[lobeIdx] as Lobe;
    const volume = ((shares[n] as number) / total) * ratio * index.lungVolumeMm3;
    const r = Math.cbrt((3 * volume) / (4 * Math.PI)) * profile.radiusFactor;
    const e = [rng.normal(0, 0.2), rng.normal(0, 0.2), rng.normal(0, 0.2)];
    const mean = (e[0] as number) + (e[1] as number) + (e[2] as number);
    const radii = e.map((v) => r * Math.exp(v - mean / 3)) as [number, number, number];
    const wantDepth = rng.uniform(profile.centreDepthMm[0], profile.centreDepthMm[1]);
    const voxels = index.lobeVoxels[lobeIdx] as Int32Array;
    let best = voxels[0] as number;
    let bestErr = Number.POSITIVE_INFINITY;
    for (let t = 0; t < 200; t++) {
      const v = voxels[rng.int(0, voxels.length)] as number;
      const err = Math.abs((index.depth[v] as number) - wantDepth);
      if (err < bestErr) {
        best = v;
        bestErr = err;
      }
      if (err < 2) break;
    }
    const [ni, nj] = g.dims;
    const i = best % ni;
    const j = Math.floor(best / ni) % nj;
    const k = Math.floor(best / (ni * nj));
    out.push({
      lobe,
      centre: [g.x[i] as number, g.y[j] as number, g.z[k] as number],
      depthMm: index.depth[best] as number,
      radii,
      ggoHu: rng.normal(profile.ggoHu.mean, profile.ggoHu.sd),
      consolidationFraction: rng.beta(profile.consolidation.a, profile.consolidation.b),
      consolidationHu: rng.normal(profile.consolidationHu.mean, profile.consolidationHu.sd),
      waves: Array.from(
        { length: 3 },
        () =>
          [rng.normal(0, 2.2), rng.normal(0, 2.2), rng.normal(0, 2.2), rng.uniform(0, 2 * Math.PI)] as [
            number,
            number,
            number,
            number,
          ],
      ),
    });
  }
  return out;
}

/**
 * Paints lesions into `hu` (denser wins where lesions overlap) and marks them in `mask`, only
 * inside the lung.
 */
export function paintLesions(
  hu: Float32Array,
  mask: Uint8Array,
  lung: Uint8Array,
  g: SynthGrid,
  lesions: readonly LesionParams[],
): void {
  const [ni, nj, nk] = g.dims;
  for (const L of lesions) {
    const reach = Math.max(...L.radii) * 1.25;
    const idx = (axis: 0 | 1 | 2, w: number) =>
      (w - (g.affine[axis][3] as number)) / (g.affine[axis][axis] as number);
    const range = (axis: 0 | 1 | 2, n: number) => {
      const a = idx(axis, L.centre[axis] - reach);
      const b = idx(axis, L.centre[axis] + reach);
      return [Math.max(0, Math.floor(Math.min(a, b))), Math.min(n - 1, Math.ceil(Math.max(a, b)))] as const;
    };
    const [i0, i1] = range(0, ni);
    const [j0, j1] = range(1, nj);
    const [k0, k1] = range(2, nk);
    const core = Math.cbrt(L.consolidationFraction);
    for (let k = k0; k <= k1; k++) {
      const qz = ((g.z[k] as number) - L.centre[2]) / L.radii[2];
      for (let j = j0; j <= j1; j++) {
        const qy = ((g.y[j] as number) - L.centre[1]) / L.radii[1];
        for (let i = i0; i <= i1; i++) {
          const o = i + ni * (j + nj * k);
          if (lung[o] === 0) continue;
          const qx = ((g.x[i] as number) - L.centre[0]) / L.radii[0];
          let rho = Math.sqrt(qx * qx + qy * qy + qz * qz);
          for (const w of L.waves) rho += 0.09 * Math.sin(w[0] * qx + w[1] * qy + w[2] * qz + w[3]);
          if (rho >= 1) continue;
          mask[o] = 1;
          const target = rho < core ? L.consolidationHu : L.ggoHu;
          const fade = rho > 0.8 ? (1 - rho) / 0.2 : 1;
          const cur = hu[o] as number;
          const v = cur + fade * (target - cur);
          if (v > cur) hu[o] = v;
        }
      }
    }
  }
}
