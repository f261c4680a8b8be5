/**
 * One synthetic chest CT scan with its lesion and lung masks, drawn from a seed.
 * @module
 */

import type { ScanLabel } from '../labels.js';
import { squaredDistanceToBackground } from '../lung/distance-transform.js';
import { Rng, type Seed } from '../random.js';
import { createVolume, type Volume } from '../volume.js';
import { drawPatient, LOBES, lungAt, type PatientParams, renderAnatomy } from './anatomy.js';
import { type ConfounderParams, paintConfounders } from './confounders.js';
import { makeGrid, type SynthGrid } from './grid.js';
import { drawLesions, type LesionParams, type LungIndex, paintLesions } from './lesions.js';
import { CAP_PROFILE, COVID_PROFILE } from './profiles.js';
import { applyScanner, toInt16Hu } from './scanner.js';
import { growTree, paintSegments, type Segment } from './tubes.js';

/** Size and overlap options of a synthetic scan. */
export interface SynthScanOptions {
  /** Voxels along i and j; default 128. */
  readonly inPlane?: number;
  /** Inclusive range of the slice count; default `[64, 96]`. */
  readonly slices?: readonly [number, number];
  /** Probability that a pneumonia scan follows the other pneumonia class's profile; default 0.1. */
  readonly atypicalProbability?: number;
}

/** Everything the generator drew for a scan (written to the manifest). */
export interface SynthScanParams {
  readonly label: ScanLabel;
  /** `typical`: drawn from its class's profile; `atypical`: from the other pneumonia class's; `none`: non-pneumonia. */
  readonly presentation: 'typical' | 'atypical' | 'none';
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly patient: PatientParams;
  readonly scanner: { readonly noiseSd: number; readonly blurSigmaVoxels: readonly [number, number, number] };
  readonly lesions: readonly LesionParams[];
  readonly confounders: ConfounderParams;
  /** Measured on the masks: lesion and lung voxel counts and their volume ratio. */
  readonly measured: {
    readonly lesionVoxels: number;
    readonly lungVoxels: number;
    readonly lesionVolumeRatio: number;
  };
}

/** A generated scan. */
export interface SynthScan {
  /** CT in HU (int16). */
  readonly image: Volume<Int16Array>;
  /** Lesion mask: 1 lesion, 0 not. */
  readonly lesion: Volume<Uint8Array>;
  /** Lung mask: 1 right lung, 2 left lung, 0 not. */
  readonly lung: Volume<Uint8Array>;
  readonly params: SynthScanParams;
}

/** The largest in-plane size of a synthetic scan (voxels along i and j). */
export const MAX_SYNTH_IN_PLANE = 512;
/** The largest slice count of a synthetic scan: with {@link MAX_SYNTH_IN_PLANE}, 134 M voxels, about 2.3 GB while generating. */
export const MAX_SYNTH_SLICES = 512;

/**
 * Checks the size options of a synthetic scan: in-plane an integer in 32..{@link MAX_SYNTH_IN_PLANE}
 * (below 32 the anatomy would not resolve), slices integers with 16 <= lo <= hi <=
 * {@link MAX_SYNTH_SLICES}, atypicalProbability in [0, 1].
 * @throws RangeError naming the option, its value and the allowed range.
 */
export function checkSynthScanOptions(options: SynthScanOptions): void {
  const inPlane = options.inPlane ?? 128;
  const slices = options.slices ?? [64, 96];
  const atypical = options.atypicalProbability ?? 0.1;
  if (!Number.isInteger(inPlane) || inPlane < 32 || inPlane > MAX_SYNTH_IN_PLANE)
    throw new RangeError(`synth: inPlane must be an integer in 32..${MAX_SYNTH_IN_PLANE}, got ${inPlane}`);
  if (
    !Number.isInteger(slices[0]) ||
    !Number.isInteger(slices[1]) ||
    slices[0] < 16 ||
    slices[1] < slices[0] ||
    slices[1] > MAX_SYNTH_SLICES
  ) {
    throw new RangeError(
      `synth: slices must be integers [lo, hi] with 16 <= lo <= hi <= ${MAX_SYNTH_SLICES}, got [${slices.join(', ')}]`,
    );
  }
  if (!(atypical >= 0 && atypical <= 1))
    throw new RangeError(`synth: atypicalProbability must lie in [0, 1], got ${atypical}`);
}

/**
 * Generates one scan. The same `label`, `seed` and options give the same voxels.
 *
 * @param label - the class.
 * @param seed - the scan's seed.
 * @param options - see {@link SynthScanOptions}.
 * @throws RangeError for options outside {@link checkSynthScanOptions}'s ranges or a bad label.
 */
export function generateScan(label: ScanLabel, seed: Seed, options: SynthScanOptions = {}): SynthScan {
  checkSynthScanOptions(options);
  const inPlane = options.inPlane ?? 128;
  const slices = options.slices ?? [64, 96];
  const atypical = options.atypicalProbability ?? 0.1;
  if (label !== 'covid' && label !== 'cap' && label !== 'normal')
    throw new RangeError(`synth: label must be covid, cap or normal, got '${String(label)}'`);

  const rng = new Rng(seed);
  const p = drawPatient(rng.fork('patient'));
  const g = drawGrid(rng.fork('grid'), p, inPlane, slices);
  const { hu, lung, lobe } = renderAnatomy(p, g, rng.fork('anatomy'));
  const index = lungIndex(lung, lobe, g);

  let presentation: SynthScanParams['presentation'] = 'none';
  let lesions: LesionParams[] = [];
  const lesionMask = new Uint8Array(hu.length);
  if (label !== 'normal') {
    const lr = rng.fork('lesions');
    presentation = lr.bernoulli(atypical) ? 'atypical' : 'typical';
    const covidLike = (label === 'covid') === (presentation === 'typical');
    lesions = drawLesions(lr, covidLike ? COVID_PROFILE : CAP_PROFILE, index, g);
    paintLesions(hu, lesionMask, lung, g, lesions);
  }
  const confounders = paintConfounders(
    hu,
    lung,
    index,
    p,
    g,
    rng.fork('confounders'),
    label === 'normal'
      ? { nodulesMean: 0.9, atelectasisProbability: 0.5 }
      : { nodulesMean: 0.3, atelectasisProbability: 0.25 },
  );
  paintTubes(hu, p, g, rng.fork('tubes'));

  const sr = rng.fork('scanner');
  const noiseSd = sr.uniform(12, 30);
  const b = sr.uniform(0.5, 0.85);
  const blur: [number, number, number] = [b, b, 0.4];
  applyScanner(hu, g.dims, sr, noiseSd, blur);

  let lesionVoxels = 0;
  for (let o = 0; o < lesionMask.length; o++) lesionVoxels += lesionMask[o] as number;
  const lungVoxels = index.lobeVoxels.reduce((a, v) => a + v.length, 0);
  const params: SynthScanParams = {
    label,
    presentation,
    dims: g.dims,
    spacing: g.spacing,
    patient: p,
    scanner: { noiseSd, blurSigmaVoxels: blur },
    lesions,
    confounders,
    measured: { lesionVoxels, lungVoxels, lesionVolumeRatio: lungVoxels > 0 ? lesionVoxels / lungVoxels : 0 },
  };
  return {
    image: createVolume(toInt16Hu(hu), g.dims, g.affine),
    lesion: createVolume(lesionMask, g.dims, g.affine),
    lung: createVolume(lung, g.dims, g.affine),
    params,
  };
}

function drawGrid(rng: Rng, p: PatientParams, inPlane: number, slices: readonly [number, number]): SynthGrid {
  const fov = 2 * p.bodyA + rng.uniform(20, 60);
  const s = fov / inPlane;
  const below = rng.uniform(15, 40);
  const above = rng.uniform(10, 30);
  const extent = p.zTop - p.zBase + below + above;
  const nk = rng.int(slices[0], slices[1] + 1);
  return makeGrid([inPlane, inPlane, nk], [s, s, extent / nk], p.zBase - below);
}

function lungIndex(lung: Uint8Array, lobe: Uint8Array, g: SynthGrid): LungIndex {
  const counts = new Array<number>(LOBES.length).fill(0);
  for (let o = 0; o < lobe.length; o++) {
    const l = lobe[o] as number;
    if (l > 0) counts[l - 1] = (counts[l - 1] as number) + 1;
  }
  const lobeVoxels = counts.map((c) => new Int32Array(c));
  const fill = new Array<number>(LOBES.length).fill(0);
  for (let o = 0; o < lobe.length; o++) {
    const l = lobe[o] as number;
    if (l === 0) continue;
    (lobeVoxels[l - 1] as Int32Array)[fill[l - 1] as number] = o;
    fill[l - 1] = (fill[l - 1] as number) + 1;
  }
  const d2 = squaredDistanceToBackground(lung, g.dims, g.spacing);
  const depth = new Float32Array(d2.length);
  for (let o = 0; o < d2.length; o++) depth[o] = Math.sqrt(d2[o] as number);
  const voxelMm3 = g.spacing[0] * g.spacing[1] * g.spacing[2];
  return { lobeVoxels, depth, lungVolumeMm3: counts.reduce((a, c) => a + c, 0) * voxelMm3 };
}

function paintTubes(hu: Float32Array, p: PatientParams, g: SynthGrid, rng: Rng): void {
  const h = p.zTop - p.zBase;
  const vessels: Segment[] = [];
  const airways: Segment[] = [];
  const spineY = p.cavY - 0.78 * p.cavB;
  const tY = spineY + 17 * p.size + 14 * p.size;
  const carina: [number, number, number] = [0, tY, p.zBase + 0.64 * h];
  const top = (g.z[g.dims[2] - 1] as number) + 10;
  airways.push({ a: [0, tY, top], b: carina, r: 8 * p.size });
  for (const side of [1, -1] as const) {
    const inside = (q: [number, number, number]) => lungAt(p, q[0], q[1], q[2]) !== 0;
    const hilum: [number, number, number] = [
      side * (p.mediastinumHalf + 6),
      p.cavY + 0.08 * p.cavB,
      p.zBase + 0.52 * h,
    ];
    airways.push({ a: carina, b: hilum, r: 5.5 * p.size });
    const trunks: [number, number, number][] = [
      [side * 0.3, 0.15, 1],
      [side * 0.5, -0.45, -0.9],
      [side * 0.6, 0.7, -0.35],
      [side, -0.1, 0.05],
    ];
    for (const d of trunks) {
      growTree(
        rng,
        hilum,
        d,
        {
          radius: 4.5 * p.size,
          length: 30 * p.size,
          minRadius: 0.7,
          radiusRatio: 0.74,
          lengthRatio: 0.8,
          inside,
        },
        vessels,
      );
      growTree(
        rng,
        hilum,
        d,
        {
          radius: 3.6 * p.size,
          length: 26 * p.size,
          minRadius: 1.4,
          radiusRatio: 0.72,
          lengthRatio: 0.8,
          inside,
        },
        airways,
      );
    }
  }
  paintSegments(hu, g, vessels, 40);
  const walls = airways.map((s) => ({ ...s, r: s.r + 0.6 + 0.2 * s.r }));
  paintSegments(hu, g, walls, 20);
  paintSegments(hu, g, airways, -1000);
}
