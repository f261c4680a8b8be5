/**
 * A classical lung mask for chest CT, in the manner of Hu, Hoffman and Reinhardt ("Automatic lung
 * segmentation for accurate quantitation of volumetric X-ray CT images", IEEE TMI 20(6), 2001):
 * threshold, removal of the air outside the body, removal of the trachea and main bronchi by
 * region growing, the two largest components (a merged pair split at the anterior junction),
 * closing and per-slice hole filling, and left/right labels from the RAS x axis.
 *
 * Assumes axial slices along k (the usual CT acquisition) and HU intensities.
 * @module
 */
import { createVolume, type Volume, type VoxelArray, voxelToWorld } from '../volume.js';
import { applyInBox } from './box-op.js';
import { connectedComponents } from './connected-components.js';
import { close, dilate, fillHolesPerSlice } from './morphology.js';

/** Options of {@link lungMask}. */
export interface LungMaskOptions {
  /** Air/tissue threshold in HU; default -320. */
  readonly thresholdHu?: number;
  /**
   * `remove` (default): air components touching the in-plane border of the volume (i or j faces)
   * are outside the body and dropped. `keep`: no such removal, for crops that lie inside the lung.
   */
  readonly outsideAir?: 'remove' | 'keep';
  /** Trachea and main bronchi: voxels below this HU connected to the top slice's central air are removed; default -950. */
  readonly airwayHu?: number;
  /** `remove` (default) or `keep` the airways found from the top slice. */
  readonly airways?: 'remove' | 'keep';
  /** Components smaller than this (mL) are not lungs; default 20. */
  readonly minLungMl?: number;
  /** Closing radius in mm, per lung, to take in juxtapleural vessels and nodules; default 5. */
  readonly closingMm?: number;
}

/** One lung found. */
export interface LungFound {
  /** 1 = right lung (larger RAS x), 2 = left lung. */
  readonly label: 1 | 2;
  readonly side: 'right' | 'left';
  readonly voxels: number;
  readonly volumeMl: number;
}

/** What {@link lungMask} returns. */
export interface LungMaskResult {
  /** 0 background, 1 right lung, 2 left lung; the CT's geometry. */
  readonly mask: Volume<Uint8Array>;
  /** The lungs found (zero, one or two). */
  readonly lungs: readonly LungFound[];
  /** `separate`: two components; `split`: one merged component cut at the junction; `single`: one lung only; `none`. */
  readonly separation: 'separate' | 'split' | 'single' | 'none';
  /** Volume of airway removed (mL); 0 when none was found or removal is off. */
  readonly airwayMl: number;
  /** Everything unusual, one sentence each: an empty result always has one. */
  readonly warnings: readonly string[];
}

/**
 * Computes a left/right lung mask from CT in HU. Never throws on odd content: an empty or
 * doubtful result carries warnings saying why.
 *
 * @param ct - CT in HU (any voxel type), axial slices along k.
 * @param options - see {@link LungMaskOptions}.
 * @throws RangeError only for invalid options.
 */
export function lungMask(ct: Volume<VoxelArray>, options: LungMaskOptions = {}): LungMaskResult {
  const threshold = options.thresholdHu ?? -320;
  const airwayHu = options.airwayHu ?? -950;
  const minMl = options.minLungMl ?? 20;
  const closingMm = options.closingMm ?? 5;
  const outsideAir = options.outsideAir ?? 'remove';
  const airways = options.airways ?? 'remove';
  if (!Number.isFinite(threshold))
    throw new RangeError(`lungMask: thresholdHu must be finite, got ${threshold}`);
  if (!(minMl >= 0)) throw new RangeError(`lungMask: minLungMl must be >= 0, got ${minMl}`);
  if (!(closingMm >= 0)) throw new RangeError(`lungMask: closingMm must be >= 0, got ${closingMm}`);
  if (outsideAir !== 'remove' && outsideAir !== 'keep')
    throw new RangeError(`lungMask: outsideAir must be 'remove' or 'keep', got '${String(outsideAir)}'`);
  if (airways !== 'remove' && airways !== 'keep')
    throw new RangeError(`lungMask: airways must be 'remove' or 'keep', got '${String(airways)}'`);

  const { dims, spacing } = ct;
  const [ni, nj, nk] = dims;
  const n = ni * nj * nk;
  const mlPerVoxel = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const warnings: string[] = [];
  const hu = ct.data;
  const cand = new Uint8Array(n);
  let airCount = 0;
  for (let o = 0; o < n; o++) {
    if ((hu[o] as number) < threshold) {
      cand[o] = 1;
      airCount++;
    }
  }
  const empty = (why: string): LungMaskResult => ({
    mask: createVolume(new Uint8Array(n), dims, ct.affine),
    lungs: [],
    separation: 'none',
    airwayMl: 0,
    warnings: [...warnings, why],
  });
  if (airCount === 0)
    return empty(`no voxel below ${threshold} HU: no air, so no lung (is the image in HU?)`);

  if (outsideAir === 'remove') {
    const cc = connectedComponents(cand, dims, 6);
    const touches = new Uint8Array(cc.sizes.length + 1);
    for (let k = 0; k < nk; k++) {
      for (let j = 0; j < nj; j++) {
        for (let i = 0; i < ni; i++) {
          if (i !== 0 && j !== 0 && i !== ni - 1 && j !== nj - 1) continue;
          touches[cc.labels[i + ni * (j + nj * k)] as number] = 1;
        }
      }
    }
    let kept = 0;
    for (let o = 0; o < n; o++) {
      const l = cc.labels[o] as number;
      if (l !== 0 && touches[l] === 1) cand[o] = 0;
      else if (l !== 0) kept++;
    }
    if (kept === 0) {
      return empty(
        'every air region touches the in-plane border of the volume, so none is enclosed by a body: the volume looks like a crop inside the lung or has no body outline (use outsideAir: keep for crops)',
      );
    }
  }

  let airwayMl = 0;
  if (airways === 'remove') {
    const removed = removeAirways(ct, cand, airwayHu, warnings);
    airwayMl = removed * mlPerVoxel;
  }

  const cc = connectedComponents(cand, dims, 6);
  const order = cc.sizes.map((s, idx) => ({ label: idx + 1, size: s })).sort((a, b) => b.size - a.size);
  const big = order.filter((c) => c.size * mlPerVoxel >= minMl);
  if (big.length === 0) {
    const largest = (order[0]?.size ?? 0) * mlPerVoxel;
    return empty(
      `the largest air component (${largest.toFixed(1)} mL) is below minLungMl (${minMl} mL): no lung found`,
    );
  }
  // without a body outline (crops) the midline is taken as the scanner isocentre, x = 0, where patients are centred
  const bodyX = outsideAir === 'remove' ? bodyCentreX(ct, threshold) : 0;
  const first = big[0] as { label: number; size: number };
  const second = big[1];
  const out = new Uint8Array(n);
  let separation: LungMaskResult['separation'];
  // the x coordinate of voxel (i, j, k) is linear in the indices
  const a = ct.affine[0];
  const xOf = (o: number) => {
    const i = o % ni;
    const j = Math.floor(o / ni) % nj;
    const k = Math.floor(o / (ni * nj));
    return a[0] * i + a[1] * j + a[2] * k + a[3];
  };
  if (second && second.size >= 0.25 * first.size) {
    separation = 'separate';
    const cx = [0, 0];
    const cn = [0, 0];
    for (let o = 0; o < n; o++) {
      const l = cc.labels[o] as number;
      const s = l === first.label ? 0 : l === second.label ? 1 : -1;
      if (s < 0) continue;
      cx[s] = (cx[s] as number) + xOf(o);
      cn[s] = (cn[s] as number) + 1;
    }
    const firstIsRight = (cx[0] as number) / (cn[0] as number) > (cx[1] as number) / (cn[1] as number);
    for (let o = 0; o < n; o++) {
      const l = cc.labels[o] as number;
      if (l === first.label) out[o] = firstIsRight ? 1 : 2;
      else if (l === second.label) out[o] = firstIsRight ? 2 : 1;
    }
  } else {
    // bins two voxels wide, so that the voxel lattice cannot leave empty bins
    const cut = findJunction(cc.labels, first.label, n, xOf, 2 * Math.max(spacing[0], spacing[1]));
    if (cut !== undefined) {
      separation = 'split';
      for (let o = 0; o < n; o++) if (cc.labels[o] === first.label) out[o] = xOf(o) > cut ? 1 : 2;
    } else {
      separation = 'single';
      let sx = 0;
      for (let o = 0; o < n; o++) if (cc.labels[o] === first.label) sx += xOf(o);
      const label = sx / first.size > bodyX ? 1 : 2;
      for (let o = 0; o < n; o++) if (cc.labels[o] === first.label) out[o] = label;
      warnings.push(
        `only one lung found (${(first.size * mlPerVoxel).toFixed(0)} mL), labelled ${label === 1 ? 'right' : 'left'} from its side of ${outsideAir === 'remove' ? 'the body centre' : 'the scanner isocentre x = 0 (no body outline with outsideAir: keep)'}`,
      );
    }
  }

  // smooth and fill each lung on its own, so that closing cannot bridge the two
  const final = new Uint8Array(n);
  for (const label of [1, 2] as const) {
    const one = new Uint8Array(n);
    let any = false;
    for (let o = 0; o < n; o++) {
      if (out[o] === label) {
        one[o] = 1;
        any = true;
      }
    }
    if (!any) continue;
    // the closing reaches closingMm beyond the lung; one more voxel keeps a background ring for the hole filling
    const margin = spacing.map((s) => Math.ceil(closingMm / s) + 2) as unknown as [number, number, number];
    const filled = applyInBox(one, dims, margin, (sub, sd) =>
      fillHolesPerSlice(closingMm > 0 ? close(sub, sd, spacing, closingMm) : sub, sd),
    );
    for (let o = 0; o < n; o++) if (filled[o] === 1 && final[o] === 0) final[o] = label;
  }
  const lungs: LungFound[] = [];
  for (const label of [1, 2] as const) {
    let c = 0;
    for (let o = 0; o < n; o++) if (final[o] === label) c++;
    if (c > 0)
      lungs.push({ label, side: label === 1 ? 'right' : 'left', voxels: c, volumeMl: c * mlPerVoxel });
  }
  for (const l of lungs) {
    if (l.volumeMl < 300) {
      warnings.push(
        `the ${l.side} lung is ${l.volumeMl.toFixed(1)} mL, far below an adult lung (about 1 to 3 L): the volume may be a crop, or the threshold wrong`,
      );
    }
  }
  return { mask: createVolume(final, dims, ct.affine), lungs, separation, airwayMl, warnings };
}

/** Region-grows the trachea from the top slice's central dark air and removes it (dilated by one voxel) from `cand`. */
function removeAirways(
  ct: Volume<VoxelArray>,
  cand: Uint8Array,
  airwayHu: number,
  warnings: string[],
): number {
  const [ni, nj, nk] = ct.dims;
  const n = ni * nj * nk;
  const dark = new Uint8Array(n);
  for (let o = 0; o < n; o++) if (cand[o] === 1 && (ct.data[o] as number) < airwayHu) dark[o] = 1;
  const cc = connectedComponents(dark, ct.dims, 6);
  // the superior end of the k axis
  const kTop = ct.affine[2][2] >= 0 ? nk - 1 : 0;
  const seeds = new Set<number>();
  const band = 3;
  for (let t = 0; t < band && t < nk; t++) {
    const k = ct.affine[2][2] >= 0 ? kTop - t : kTop + t;
    for (let j = Math.floor(nj * 0.25); j < Math.ceil(nj * 0.75); j++) {
      for (let i = Math.floor(ni * 0.3); i < Math.ceil(ni * 0.7); i++) {
        const l = cc.labels[i + ni * (j + nj * k)] as number;
        if (l !== 0) seeds.add(l);
      }
    }
  }
  if (seeds.size === 0) return 0;
  let total = 0;
  for (const l of seeds) total += cc.sizes[l - 1] as number;
  const ml = (total * ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  if (ml > 300) {
    warnings.push(
      `airway region growing reached ${ml.toFixed(0)} mL (leaked into the lungs?); airways were kept`,
    );
    return 0;
  }
  const region = new Uint8Array(n);
  for (let o = 0; o < n; o++) if (seeds.has(cc.labels[o] as number)) region[o] = 1;
  const r = Math.max(ct.spacing[0], ct.spacing[1]) * 1.01;
  const margin = ct.spacing.map((s) => Math.ceil(r / s) + 1) as unknown as [number, number, number];
  const grown = applyInBox(region, ct.dims, margin, (sub, sd) => dilate(sub, sd, ct.spacing, r));
  let removed = 0;
  for (let o = 0; o < n; o++) {
    if (grown[o] === 1 && cand[o] === 1) {
      cand[o] = 0;
      removed++;
    }
  }
  return removed;
}

/** The x (mm) where a merged lung pair is thinnest in its central 40%, or undefined when no clear junction exists. */
function findJunction(
  labels: Int32Array,
  label: number,
  n: number,
  xOf: (o: number) => number,
  binMm: number,
): number | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let o = 0; o < n; o++) {
    if (labels[o] !== label) continue;
    const x = xOf(o);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const bins = Math.max(1, Math.ceil((hi - lo) / binMm) + 1);
  const counts = new Float64Array(bins);
  for (let o = 0; o < n; o++) if (labels[o] === label) counts[Math.floor((xOf(o) - lo) / binMm)]! += 1;
  const mean = counts.reduce((s, c) => s + c, 0) / bins;
  let best = -1;
  let bestCount = Number.POSITIVE_INFINITY;
  for (let b = Math.floor(bins * 0.3); b <= Math.ceil(bins * 0.7) && b < bins; b++) {
    if ((counts[b] as number) < bestCount) {
      bestCount = counts[b] as number;
      best = b;
    }
  }
  if (best < 0 || bestCount > 0.15 * mean) return undefined;
  return lo + (best + 0.5) * binMm;
}

/** Mean x (mm) of the body (voxels above the threshold): the midline when one lung is found. */
function bodyCentreX(ct: Volume<VoxelArray>, threshold: number): number {
  const [ni, nj, nk] = ct.dims;
  let s = 0;
  let c = 0;
  // sample the central slice; the body centre barely moves along z
  const k = Math.floor(nk / 2);
  for (let j = 0; j < nj; j++) {
    for (let i = 0; i < ni; i++) {
      if ((ct.data[i + ni * (j + nj * k)] as number) >= threshold) {
        s += voxelToWorld(ct.affine, i, j, k)[0];
        c++;
      }
    }
  }
  return c > 0 ? s / c : voxelToWorld(ct.affine, (ni - 1) / 2, (nj - 1) / 2, k)[0];
}
