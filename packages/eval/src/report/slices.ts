/**
 * Slice views of a scan for the report: axial and coronal planes of the CT in a lung window,
 * with ground-truth and predicted lesion contours, and the evidence map as a heat overlay.
 * @module
 */
import { reorient, type Volume } from '@deepsc/io';
import { checkSameGrid } from '../segmentation/mask.js';
import { encodePngBase64, type RgbaImage } from './png.js';

/** The volumes of one scan; all on the CT's grid. */
export interface ScanVolumes {
  /** CT in HU. */
  readonly ct: Volume;
  /** Ground-truth lesion mask (> 0 = lesion). */
  readonly truth?: Volume;
  /** Predicted lesion mask (> 0 = lesion). */
  readonly prediction?: Volume;
  /** Evidence (class-activation) map, any range: min-max normalised over the scan for display. */
  readonly evidence?: Volume;
}

/** One embedded image of a scan. */
export interface SliceImage {
  readonly plane: 'axial' | 'coronal';
  /** `contours`: CT with truth (green) and prediction (magenta) outlines; `evidence`: CT with the heat map. */
  readonly layer: 'contours' | 'evidence';
  /** Slice index along the plane's normal, in the displayed (LPS) orientation. */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** Base64 PNG. */
  readonly png: string;
}

/** Options of {@link renderScanSlices}. */
export interface SliceOptions {
  /** CT window [lowest, highest] HU shown black to white. Default the lung window [-1350, 150]. */
  readonly windowHu?: readonly [number, number];
  /** Longest image side in pixels. Default 256 (four views of a scan fit side by side). */
  readonly maxSize?: number;
}

const truthColour = [0, 230, 118] as const;
const predColour = [255, 64, 200] as const;

/**
 * Renders the axial and coronal slices through the largest lesion cross-section (truth ∪
 * prediction; the middle slice when neither has lesion), in radiological display: the
 * patient's right on the image's left, anterior (axial) or superior (coronal) at the top.
 * Pixels are square in mm; the longer side is `maxSize` pixels (nearest-neighbour resampling).
 * @throws RangeError when a mask or evidence map is not on the CT's grid.
 */
export function renderScanSlices(scan: ScanVolumes, options: SliceOptions = {}): SliceImage[] {
  for (const [name, v] of [
    ['truth', scan.truth],
    ['prediction', scan.prediction],
    ['evidence', scan.evidence],
  ] as const) {
    if (v) checkSameGrid(v, scan.ct, [name, 'ct']);
  }
  // LPS storage = radiological display: i to the patient's left (image right), j posterior (down), k superior
  const ct = reorient(scan.ct, 'LPS');
  const truth = scan.truth ? reorient(scan.truth, 'LPS') : undefined;
  const pred = scan.prediction ? reorient(scan.prediction, 'LPS') : undefined;
  const evidence = scan.evidence ? normalised(reorient(scan.evidence, 'LPS')) : undefined;
  const [ni, nj, nk] = ct.dims;
  const lesionAt = (v: number) =>
    ((truth?.data[v] ?? 0) as number) > 0 || ((pred?.data[v] ?? 0) as number) > 0;
  const perK = new Float64Array(nk);
  const perJ = new Float64Array(nj);
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        if (lesionAt(i + ni * (j + nj * k))) {
          perK[k]!++;
          perJ[j]!++;
        }
      }
    }
  }
  const argmax = (a: Float64Array) => {
    let best = -1;
    let bv = 0;
    a.forEach((v, n) => {
      if (v > bv) {
        bv = v;
        best = n;
      }
    });
    return best < 0 ? Math.floor(a.length / 2) : best;
  };
  const win = options.windowHu ?? [-1350, 150];
  const maxSize = options.maxSize ?? 256;
  const out: SliceImage[] = [];
  for (const plane of ['axial', 'coronal'] as const) {
    const index = plane === 'axial' ? argmax(perK) : argmax(perJ);
    const g = planeGrid(plane, index, ct, maxSize);
    out.push({ plane, layer: 'contours', index, ...image(g, ct, win, truth, pred, undefined) });
    if (evidence)
      out.push({ plane, layer: 'evidence', index, ...image(g, ct, win, undefined, undefined, evidence) });
  }
  return out;
}

/** For each display pixel, the voxel index it shows (nearest neighbour). */
interface PlaneGrid {
  readonly width: number;
  readonly height: number;
  readonly voxel: Int32Array;
}

function planeGrid(plane: 'axial' | 'coronal', index: number, v: Volume, maxSize: number): PlaneGrid {
  const [ni, nj, nk] = v.dims;
  const [si, sj, sk] = v.spacing;
  // horizontal axis: i; vertical: j (axial, top = anterior) or k reversed (coronal, top = superior)
  const [nv, sv] = plane === 'axial' ? [nj, sj] : [nk, sk];
  const wMm = ni * si;
  const hMm = nv * sv;
  // nearest-neighbour up- or down-sampling to the display size: pixels stay square in mm
  const scale = maxSize / Math.max(wMm, hMm);
  const width = Math.max(1, Math.round(wMm * scale));
  const height = Math.max(1, Math.round(hMm * scale));
  const voxel = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = Math.min(nv - 1, Math.floor((y + 0.5) / scale / sv));
    for (let x = 0; x < width; x++) {
      const i = Math.min(ni - 1, Math.floor((x + 0.5) / scale / si));
      voxel[x + width * y] =
        plane === 'axial' ? i + ni * (r + nj * index) : i + ni * (index + nj * (nk - 1 - r));
    }
  }
  return { width, height, voxel };
}

function image(
  g: PlaneGrid,
  ct: Volume,
  win: readonly [number, number],
  truth: Volume | undefined,
  pred: Volume | undefined,
  evidence: Float32Array | undefined,
): { width: number; height: number; png: string } {
  const { width, height, voxel } = g;
  const rgba = new Uint8Array(width * height * 4);
  const [lo, hi] = win;
  for (let p = 0; p < voxel.length; p++) {
    const v = voxel[p] as number;
    const grey = Math.round(255 * Math.min(1, Math.max(0, ((ct.data[v] as number) - lo) / (hi - lo))));
    let r = grey;
    let gg = grey;
    let b = grey;
    if (evidence) {
      const e = evidence[v] as number;
      const [hr, hg, hb] = heat(e);
      const a = e > 0.05 ? 0.25 + 0.45 * e : 0;
      r = (1 - a) * r + a * hr;
      gg = (1 - a) * gg + a * hg;
      b = (1 - a) * b + a * hb;
    }
    rgba[4 * p] = r;
    rgba[4 * p + 1] = gg;
    rgba[4 * p + 2] = b;
    rgba[4 * p + 3] = 255;
  }
  if (truth) drawContour(rgba, g, truth, truthColour);
  if (pred) drawContour(rgba, g, pred, predColour);
  const img: RgbaImage = { width, height, data: rgba };
  return { width, height, png: encodePngBase64(img) };
}

/** Colours the pixels of the mask that touch a non-mask pixel (4-neighbourhood) or the image edge. */
function drawContour(
  rgba: Uint8Array,
  g: PlaneGrid,
  mask: Volume,
  colour: readonly [number, number, number],
): void {
  const { width, height, voxel } = g;
  const inside = new Uint8Array(voxel.length);
  for (let p = 0; p < voxel.length; p++) inside[p] = (mask.data[voxel[p] as number] as number) > 0 ? 1 : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = x + width * y;
      if (!inside[p]) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        !inside[p - 1] ||
        !inside[p + 1] ||
        !inside[p - width] ||
        !inside[p + width];
      if (!edge) continue;
      rgba[4 * p] = colour[0];
      rgba[4 * p + 1] = colour[1];
      rgba[4 * p + 2] = colour[2];
    }
  }
}

/** Min-max normalisation to [0, 1] over the whole map (all zeros when constant or non-finite). */
function normalised(v: Volume): Float32Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n] as number;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const out = new Float32Array(v.data.length);
  if (!(hi > lo)) return out;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n] as number;
    out[n] = Number.isFinite(x) ? (x - lo) / (hi - lo) : 0;
  }
  return out;
}

/** A "hot" colour map: dark red through orange to yellow. */
function heat(e: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, e));
  return [
    Math.round(180 + 75 * Math.min(1, t * 2)),
    Math.round(255 * Math.max(0, t * 1.4 - 0.3)),
    Math.round(255 * Math.max(0, t - 0.75) * 3),
  ];
}
