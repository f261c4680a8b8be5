/**
 * Slice views of a scan for the report: axial and coronal planes of the CT in a lung window,
 * with ground-truth and predicted lesion contours, and the evidence map as a heat overlay.
 * @module
 */
import { ioOrientation, type Orientation, type Volume } from '@deepsc/io';
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
  /** Voxel index of the slice along the file's voxel axis nearest world z (axial) or y (coronal). */
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
  const { ct, truth, prediction: pred } = scan;
  // voxel axis along each world axis (x, y, z) and whether the voxel index grows toward R / A / S
  const orient = ioOrientation(ct.affine);
  const along = [0, 1, 2].map((w) => orient.findIndex((o) => o.axis === w)) as [number, number, number];
  const zAxis = along[2];
  const yAxis = along[1];
  const perZ = new Float64Array(ct.dims[zAxis] as number);
  const perY = new Float64Array(ct.dims[yAxis] as number);
  const [ni, nj, nk] = ct.dims;
  const ijk = [0, 0, 0];
  for (let k = 0; k < nk; k++) {
    ijk[2] = k;
    for (let j = 0; j < nj; j++) {
      ijk[1] = j;
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i++) {
        const v = row + i;
        if (((truth?.data[v] ?? 0) as number) > 0 || ((pred?.data[v] ?? 0) as number) > 0) {
          ijk[0] = i;
          perZ[ijk[zAxis] as number]!++;
          perY[ijk[yAxis] as number]!++;
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
  const evidence = scan.evidence ? normaliser(scan.evidence) : undefined;
  const win = options.windowHu ?? [-1350, 150];
  const maxSize = options.maxSize ?? 256;
  const out: SliceImage[] = [];
  for (const plane of ['axial', 'coronal'] as const) {
    const index = plane === 'axial' ? argmax(perZ) : argmax(perY);
    const g = planeGrid(plane, index, ct, orient, along, maxSize);
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

/**
 * Maps display pixels to voxels without copying the volume: horizontal = world x with the
 * patient's left on the right, vertical = world y (axial, posterior down) or z (coronal,
 * inferior down); the slice is voxel `index` along the axis of world z (axial) or y (coronal).
 */
function planeGrid(
  plane: 'axial' | 'coronal',
  index: number,
  v: Volume,
  orient: Orientation,
  along: readonly [number, number, number],
  maxSize: number,
): PlaneGrid {
  const h = along[0];
  const vert = plane === 'axial' ? along[1] : along[2];
  const normal = plane === 'axial' ? along[2] : along[1];
  const nh = v.dims[h] as number;
  const nv = v.dims[vert] as number;
  const sh = v.spacing[h] as number;
  const sv = v.spacing[vert] as number;
  const wMm = nh * sh;
  const hMm = nv * sv;
  // nearest-neighbour up- or down-sampling to the display size: pixels stay square in mm
  const scale = maxSize / Math.max(wMm, hMm);
  const width = Math.max(1, Math.round(wMm * scale));
  const height = Math.max(1, Math.round(hMm * scale));
  // display coordinates grow toward the patient's left and down (posterior / inferior): against
  // a voxel axis that grows toward R, A or S
  const hFlip = (orient[h] as { flip: number }).flip === 1;
  const vFlip = (orient[vert] as { flip: number }).flip === 1;
  const stride = [1, v.dims[0], v.dims[0] * v.dims[1]] as const;
  const base = index * (stride[normal as 0 | 1 | 2] as number);
  const voxel = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = Math.min(nv - 1, Math.floor((y + 0.5) / scale / sv));
    const rv = (vFlip ? nv - 1 - r : r) * (stride[vert as 0 | 1 | 2] as number);
    for (let x = 0; x < width; x++) {
      const c = Math.min(nh - 1, Math.floor((x + 0.5) / scale / sh));
      voxel[x + width * y] = base + rv + (hFlip ? nh - 1 - c : c) * (stride[h as 0 | 1 | 2] as number);
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
  evidence: ((v: number) => number) | undefined,
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
      const e = evidence(v);
      const [hr, hg, hb] = heatColour(e);
      const a = e > 0.05 ? 0.25 + 0.45 * e : 0;
      r = (1 - a) * r + a * hr;
      gg = (1 - a) * gg + a * hg;
      b = (1 - a) * b + a * hb;
    }
    rgba[4 * p] = Math.round(r);
    rgba[4 * p + 1] = Math.round(gg);
    rgba[4 * p + 2] = Math.round(b);
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

/** Min-max normalisation to [0, 1] over the whole map (0 when constant or not finite). */
function normaliser(v: Volume): (n: number) => number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let n = 0; n < v.data.length; n++) {
    const x = v.data[n] as number;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi > lo)) return () => 0;
  return (n) => {
    const x = v.data[n] as number;
    return Number.isFinite(x) ? (x - lo) / (hi - lo) : 0;
  };
}

/** A "hot" colour map: dark red (0) through orange to pale yellow (1), each channel in 0..255. */
export function heatColour(e: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, e));
  const ramp = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [ramp(0.7 + 0.6 * t), ramp(1.4 * t - 0.3), ramp(3 * (t - 0.75))];
}
