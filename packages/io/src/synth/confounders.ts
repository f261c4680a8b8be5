/**
 * Findings that are not pneumonia lesions and must not be segmented as such: small solid
 * nodules and dependent atelectasis (denser lung in the posterior bases of a supine patient).
 * @module
 */
import type { Rng } from '../random.js';
import type { PatientParams } from './anatomy.js';
import type { SynthGrid } from './grid.js';
import type { LungIndex } from './lesions.js';
import { paintSegments } from './tubes.js';

/** The confounders drawn for one scan. */
export interface ConfounderParams {
  /** Nodules: centre (RAS mm), radius (mm), HU. */
  readonly nodules: { centre: [number, number, number]; radiusMm: number; hu: number }[];
  /** Dependent atelectasis: band thickness at the base (mm, 0 = none) and its HU. */
  readonly atelectasis: { thicknessMm: number; hu: number };
}

/** Draws and paints confounders. */
export function paintConfounders(
  hu: Float32Array,
  lung: Uint8Array,
  index: LungIndex,
  p: PatientParams,
  g: SynthGrid,
  rng: Rng,
  rates: { nodulesMean: number; atelectasisProbability: number },
): ConfounderParams {
  const [ni, nj, nk] = g.dims;
  const nodules: ConfounderParams['nodules'] = [];
  const count = rng.poisson(rates.nodulesMean);
  const all = index.lobeVoxels.filter((v) => v.length > 0);
  for (let n = 0; n < count && all.length > 0; n++) {
    const voxels = all[rng.int(0, all.length)] as Int32Array;
    const radiusMm = rng.uniform(2, 5);
    let v = voxels[rng.int(0, voxels.length)] as number;
    for (let t = 0; t < 50 && (index.depth[v] as number) < radiusMm + 3; t++)
      v = voxels[rng.int(0, voxels.length)] as number;
    const c: [number, number, number] = [
      g.x[v % ni] as number,
      g.y[Math.floor(v / ni) % nj] as number,
      g.z[Math.floor(v / (ni * nj))] as number,
    ];
    const h = rng.normal(30, 20);
    nodules.push({ centre: c, radiusMm, hu: h });
    paintSegments(hu, g, [{ a: c, b: c, r: radiusMm }], h);
  }
  let thicknessMm = 0;
  const atHu = rng.normal(-280, 70);
  if (rng.bernoulli(rates.atelectasisProbability)) {
    thicknessMm = rng.uniform(4, 14);
    const zMax = p.zBase + 0.35 * (p.zTop - p.zBase);
    for (let k = 0; k < nk; k++) {
      const z = g.z[k] as number;
      if (z > zMax) continue;
      const t = thicknessMm * (1 - (z - p.zBase) / (zMax - p.zBase));
      if (t <= 0) continue;
      for (let i = 0; i < ni; i++) {
        let yMin = Number.POSITIVE_INFINITY;
        for (let j = 0; j < nj; j++)
          if (lung[i + ni * (j + nj * k)] !== 0) yMin = Math.min(yMin, g.y[j] as number);
        if (yMin === Number.POSITIVE_INFINITY) continue;
        for (let j = 0; j < nj; j++) {
          const o = i + ni * (j + nj * k);
          if (lung[o] === 0) continue;
          const d = (g.y[j] as number) - yMin;
          if (d >= t) continue;
          const w = 1 - d / t;
          const cur = hu[o] as number;
          hu[o] = Math.max(cur, cur + w * (atHu - cur));
        }
      }
    }
  }
  return { nodules, atelectasis: { thicknessMm, hu: atHu } };
}
