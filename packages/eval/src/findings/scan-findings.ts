/**
 * The paper's four lesion findings for one scan (count, volume, density, location), computed
 * from a lesion mask (ground truth or predicted), the CT in HU and a lung mask.
 * @module
 */
import type { Affine } from '@deepsc/io';
import { type Box, boundingBox, boxDims, cropMask, padBox } from '../segmentation/bbox.js';
import { squaredDistanceTransform } from '../segmentation/edt.js';
import { checkSameGrid, type MaskLike, voxelVolume } from '../segmentation/mask.js';
import { connectedComponents26 } from './components.js';
import { addToHistogram, densityRanges, emptyHuHistogram, type HuHistogram } from './hu-histogram.js';

/** Lung masks either mark lung as any value > 0, or label the right and left lung apart. */
export type LungLabels = 'binary' | { readonly right: number; readonly left: number };

/** Inputs of {@link lesionFindings}; all volumes on one voxel grid. */
export interface FindingsInput {
  /** Lesion mask, voxels > 0 are lesion. */
  readonly lesion: MaskLike;
  /** CT in Hounsfield units. */
  readonly ct: MaskLike;
  /** Lung mask (> 0 = lung; see `LungLabels`). */
  readonly lung: MaskLike;
  /** Voxel to RAS+ mm of the grid (decides left/right and superior/inferior). */
  readonly affine: Affine;
}

/** Options of {@link lesionFindings}. */
export interface FindingsOptions {
  /** Components smaller than this (mm^3) are dropped before every finding. Default 10. */
  readonly minLesionMm3?: number;
  /** Lesion volume within this distance of the lung edge counts as peripheral (mm). Default 35. */
  readonly peripheralDistanceMm?: number;
  /** How the lung mask tells the sides apart. Default 'binary' (split at the lungs' centroid in RAS x). */
  readonly lungLabels?: LungLabels;
}

/** Left/right involvement of a scan. */
export type Laterality = 'none' | 'left' | 'right' | 'bilateral';

/** Findings of one scan. Fractions of lesion volume are NaN when the scan has no lesion. */
export interface ScanFindings {
  /** Finding 1: 26-connected lesion components of at least `minLesionMm3`. */
  readonly lesionCount: number;
  /** Volumes of those components, mm^3, largest first. */
  readonly componentVolumesMm3: number[];
  readonly lesionVolumeMm3: number;
  /** Volume of lung ∪ lesion, mm^3 (lesions that the lung mask left out still count as lung). */
  readonly lungVolumeMm3: number;
  /** Finding 2: lesion volume / (lung ∪ lesion) volume, in [0, 1]. */
  readonly lesionToLungRatio: number;
  /** Finding 3: HU histogram of lesion voxels (10 HU bins over [-1400, 200], ends clipped). */
  readonly huHistogram: HuHistogram;
  /** Mean HU of lesion voxels (voxels whose HU is NaN are left out of the density findings). */
  readonly meanHu: number;
  /** Fraction of lesion voxels in [-950, -300) HU. */
  readonly groundGlassFraction: number;
  /** Fraction of lesion voxels in [-300, 200] HU. */
  readonly consolidationFraction: number;
  /** Finding 4: fraction of lesion volume within `peripheralDistanceMm` of the lung edge. */
  readonly peripheralFraction: number;
  readonly peripheralDistanceMm: number;
  /** Fractions of lesion volume in the patient's left and right lung. */
  readonly leftFraction: number;
  readonly rightFraction: number;
  /** Bilateral when each side holds at least `minLesionMm3` (and at least one voxel) of lesion. */
  readonly laterality: Laterality;
  /** Fractions of lesion volume in the upper, middle and lower third of the lung's superior-inferior extent. */
  readonly zones: { readonly upper: number; readonly middle: number; readonly lower: number };
}

/**
 * Computes the paper's four findings for one scan:
 * 1. count: 26-connected components with volume >= `minLesionMm3` (default 10 mm^3; smaller
 *    ones are dropped from every other finding too);
 * 2. volume: lesion volume over the volume of lung ∪ lesion;
 * 3. density: HU histogram of lesion voxels, ground-glass [-950, -300) and consolidation
 *    [-300, 200] HU fractions;
 * 4. location: fraction within `peripheralDistanceMm` (default 35 mm) of the lung edge, where
 *    the distance is the exact 3D Euclidean distance from a voxel of lung ∪ lesion to the
 *    nearest voxel outside it (outside the scan counts as outside); left/right by RAS x (the
 *    patient's right is +x in RAS+) against the lung centroid, or by lung labels; upper/middle/lower by
 *    thirds of the lung's RAS z extent (voxel centres).
 * @throws RangeError when the volumes are not on one grid, the lung mask is empty or an option is
 *   out of range.
 */
export function lesionFindings(input: FindingsInput, options: FindingsOptions = {}): ScanFindings {
  const minMm3 = options.minLesionMm3 ?? 10;
  const periMm = options.peripheralDistanceMm ?? 35;
  const labels = options.lungLabels ?? 'binary';
  if (!(minMm3 >= 0 && Number.isFinite(minMm3)))
    throw new RangeError(`minLesionMm3 must be a finite number >= 0, got ${minMm3}`);
  if (!(periMm > 0 && Number.isFinite(periMm)))
    throw new RangeError(`peripheralDistanceMm must be a finite number > 0, got ${periMm}`);
  checkSameGrid(input.lesion, input.ct, ['lesion', 'ct']);
  checkSameGrid(input.lesion, input.lung, ['lesion', 'lung']);
  const { dims, spacing } = input.lesion;
  const [ni, nj] = dims;
  const vv = voxelVolume(spacing);
  const n = input.lesion.data.length;
  const A = input.affine;

  // lesion, with components under the size limit removed
  const raw = new Uint8Array(n);
  for (let v = 0; v < n; v++) raw[v] = (input.lesion.data[v] as number) > 0 ? 1 : 0;
  const lesionBox = boundingBox([raw], dims);
  const lesion = new Uint8Array(n);
  const componentVolumesMm3: number[] = [];
  if (lesionBox) {
    const cd = boxDims(lesionBox);
    const comp = connectedComponents26(cropMask(raw, dims, lesionBox), cd);
    const keep = comp.sizes.map((s) => s * vv >= minMm3);
    comp.sizes.forEach((s, c) => {
      if (keep[c]) componentVolumesMm3.push(s * vv);
    });
    componentVolumesMm3.sort((a, b) => b - a);
    forBox(lesionBox, cd, dims, (v, c) => {
      const id = comp.labels[c] as number;
      if (id > 0 && keep[id - 1]) lesion[v] = 1;
    });
  }

  // lung ∪ lesion, its side labels, centroid x and z extent
  const region = new Uint8Array(n);
  let lungCount = 0;
  let sumX = 0;
  let zMin = Number.POSITIVE_INFINITY;
  let zMax = Number.NEGATIVE_INFINITY;
  const lungData = input.lung.data;
  for (let v = 0; v < n; v++) {
    const isLung = (lungData[v] as number) > 0;
    if (!isLung && !lesion[v]) continue;
    region[v] = 1;
    if (!isLung) continue;
    const k = Math.floor(v / (ni * nj));
    const r = v - k * ni * nj;
    const j = Math.floor(r / ni);
    const i = r - j * ni;
    lungCount++;
    sumX += A[0][0] * i + A[0][1] * j + A[0][2] * k + A[0][3];
    const z = A[2][0] * i + A[2][1] * j + A[2][2] * k + A[2][3];
    if (z < zMin) zMin = z;
    if (z > zMax) zMax = z;
  }
  let regionCount = 0;
  for (let v = 0; v < n; v++) regionCount += region[v] as number;
  if (lungCount === 0)
    throw new RangeError('lung: the lung mask is empty; the findings need the lungs (voxels > 0)');
  const midX = sumX / lungCount;

  const hist = emptyHuHistogram();
  let lesionCount = 0;
  let huSum = 0;
  let huCount = 0;
  let ggo = 0;
  let cons = 0;
  let left = 0;
  let right = 0;
  let upper = 0;
  let lower = 0;
  let peripheral = 0;
  if (lesionBox && componentVolumesMm3.length > 0) {
    // Distance to the lung edge, on the box of lung ∪ lesion grown by one voxel of "outside",
    // cut to the lesions' box grown by the peripheral distance: an outside voxel within that
    // distance of a lesion voxel lies in the cut box (or its clamp onto the grown region box
    // does, and is no farther), so the fraction is exact while small lesions stay cheap.
    const grown = padBox(boundingBox([region], dims) as Box, 1);
    const lo: [number, number, number] = [0, 0, 0];
    const hi: [number, number, number] = [0, 0, 0];
    for (const a of [0, 1, 2] as const) {
      const reach = Math.ceil(periMm / spacing[a]) + 1;
      lo[a] = Math.max(grown.lo[a], lesionBox.lo[a] - reach);
      hi[a] = Math.min(grown.hi[a], lesionBox.hi[a] + reach);
    }
    const regionBox: Box = { lo, hi };
    const rd = boxDims(regionBox);
    const outside = cropMask(region, dims, regionBox).map((x) => 1 - x);
    const d2 = squaredDistanceTransform(outside, rd, spacing);
    const peri2 = periMm * periMm;
    const third = (zMax - zMin) / 3;
    const [g0, g1] = densityRanges.groundGlass;
    const [c0, c1] = densityRanges.consolidation;
    forBox(regionBox, rd, dims, (v, c, i, j, k) => {
      if (!lesion[v]) return;
      lesionCount++;
      const hu = input.ct.data[v] as number;
      // NaN (e.g. outside a reconstruction's field of view) has no density
      if (!Number.isNaN(hu)) {
        addToHistogram(hist, hu);
        huSum += hu;
        huCount++;
        if (hu >= g0 && hu < g1) ggo++;
        else if (hu >= c0 && hu <= c1) cons++;
      }
      if ((d2[c] as number) <= peri2 * (1 + 1e-9)) peripheral++;
      const side = sideOf(
        labels,
        lungData[v] as number,
        A[0][0] * i + A[0][1] * j + A[0][2] * k + A[0][3],
        midX,
      );
      if (side === 'left') left++;
      else right++;
      const z = A[2][0] * i + A[2][1] * j + A[2][2] * k + A[2][3];
      if (z > zMax - third) upper++;
      else if (z < zMin + third) lower++;
    });
  }
  const frac = (x: number) => (lesionCount === 0 ? Number.NaN : x / lesionCount);
  // at least one voxel per side, also when minLesionMm3 is 0
  const sideMin = Math.max(minMm3, vv);
  const bothSides = left * vv >= sideMin && right * vv >= sideMin;
  const laterality: Laterality =
    lesionCount === 0 ? 'none' : bothSides ? 'bilateral' : left >= right ? 'left' : 'right';
  return {
    lesionCount: componentVolumesMm3.length,
    componentVolumesMm3,
    lesionVolumeMm3: lesionCount * vv,
    lungVolumeMm3: regionCount * vv,
    lesionToLungRatio: regionCount === 0 ? 0 : lesionCount / regionCount,
    huHistogram: hist,
    meanHu: huCount === 0 ? Number.NaN : huSum / huCount,
    groundGlassFraction: huCount === 0 ? Number.NaN : ggo / huCount,
    consolidationFraction: huCount === 0 ? Number.NaN : cons / huCount,
    peripheralFraction: frac(peripheral),
    peripheralDistanceMm: periMm,
    leftFraction: frac(left),
    rightFraction: frac(right),
    laterality,
    zones: { upper: frac(upper), middle: frac(lesionCount - upper - lower), lower: frac(lower) },
  };
}

/**
 * The patient side of a lesion voxel: by lung label when the mask has side labels and the
 * voxel lies in a labelled lung, else by RAS x against the lungs' centroid (RAS+ x grows toward the patient's right).
 */
function sideOf(labels: LungLabels, lungValue: number, x: number, midX: number): 'left' | 'right' {
  if (labels !== 'binary') {
    if (lungValue === labels.left) return 'left';
    if (lungValue === labels.right) return 'right';
  }
  return x > midX ? 'right' : 'left';
}

/** Visits the voxels of `box` that lie inside the volume: full index v, crop index c and (i, j, k). */
function forBox(
  box: { lo: readonly number[]; hi: readonly number[] },
  cd: readonly [number, number, number],
  dims: readonly [number, number, number],
  f: (v: number, c: number, i: number, j: number, k: number) => void,
): void {
  const [ni, nj, nk] = dims;
  const [lo0, lo1, lo2] = box.lo as [number, number, number];
  for (let k = Math.max(0, lo2); k <= Math.min(nk - 1, box.hi[2] as number); k++) {
    for (let j = Math.max(0, lo1); j <= Math.min(nj - 1, box.hi[1] as number); j++) {
      for (let i = Math.max(0, lo0); i <= Math.min(ni - 1, box.hi[0] as number); i++) {
        f(i + ni * (j + nj * k), i - lo0 + cd[0] * (j - lo1 + cd[1] * (k - lo2)), i, j, k);
      }
    }
  }
}
