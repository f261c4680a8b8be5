/**
 * The preprocessing of one manifest scan for training or inference, as DeepSC-COVID prepares
 * its input: read the image and masks, (optionally) compute a missing lung mask, crop to the
 * lungs, resample, clip and normalise HU, and multiply by the lung mask.
 * @module
 */
import { assertSameGrid } from '../geometry/same-grid.js';
import type { ScanLabel } from '../labels.js';
import { lungMask } from '../lung/lung-mask.js';
import { readNifti } from '../nifti/read.js';
import { applyMask } from '../preprocess/apply-mask.js';
import { cropToMask } from '../preprocess/crop-to-mask.js';
import { type NormalizeMode, normalizeIntensity } from '../preprocess/normalize.js';
import { resampleToShape, resampleToSpacing } from '../preprocess/resample.js';
import { DEEPSC_HU_WINDOW, type HuWindow } from '../preprocess/window.js';
import { createVolume, type Vec3, type Volume, type VoxelArray } from '../volume.js';

/** How to preprocess scans (part of the cache key). */
export interface PreprocessOptions {
  /** HU window; default [-1400, 200]. */
  readonly window?: HuWindow;
  /** `window` (to [0, 1], default) or `zscore` (statistics over the lung mask when there is one). */
  readonly normalize?: NormalizeMode;
  /** Where the lung mask comes from: `file` (the manifest's, default), `compute` (classical mask when the manifest has none), `none`. */
  readonly lungMask?: 'file' | 'compute' | 'none';
  /** Crop to the lung mask with this margin in mm before resampling; default: no crop. */
  readonly cropToLungMarginMm?: number;
  /** Resample to this spacing (mm, i j k); exclusive with `shape`. */
  readonly spacing?: Vec3;
  /** Resample to this grid (i j k; the paper's 48 x 256 x 256 is `[256, 256, 48]`); exclusive with `spacing`. */
  readonly shape?: Vec3;
  /** `multiply` (the paper: zero outside the lungs after normalisation, default when a lung mask exists) or `none`. */
  readonly lungMasking?: 'multiply' | 'none';
}

/** A preprocessed scan. Masks are binary (lesion) or 0/1/2 (lung: right/left), on the image's grid. */
export interface PreparedScan {
  readonly id: string;
  readonly label: ScanLabel;
  readonly image: Volume<Float32Array>;
  readonly lesion?: Volume<Uint8Array>;
  readonly lung?: Volume<Uint8Array>;
}

/** The files of one scan. */
export interface ScanFiles {
  readonly id: string;
  readonly label: ScanLabel;
  readonly image: string;
  readonly lesion?: string;
  readonly lung?: string;
}

/** @throws RangeError naming a bad option. */
export function checkPreprocessOptions(o: PreprocessOptions): void {
  if (o.spacing && o.shape) throw new RangeError('preprocess: give spacing or shape, not both');
  if (o.lungMask !== undefined && !['file', 'compute', 'none'].includes(o.lungMask))
    throw new RangeError(`preprocess: lungMask must be file, compute or none, got '${o.lungMask}'`);
  if (o.lungMasking !== undefined && o.lungMasking !== 'multiply' && o.lungMasking !== 'none')
    throw new RangeError(`preprocess: lungMasking must be multiply or none, got '${o.lungMasking}'`);
  if (o.cropToLungMarginMm !== undefined && !(o.cropToLungMarginMm >= 0))
    throw new RangeError(`preprocess: cropToLungMarginMm must be >= 0, got ${o.cropToLungMarginMm}`);
}

function toUint8(v: Volume<VoxelArray>, what: string): Volume<Uint8Array> {
  if (v.data instanceof Uint8Array) return v as Volume<Uint8Array>;
  const out = new Uint8Array(v.data.length);
  for (let o = 0; o < out.length; o++) {
    const x = v.data[o] as number;
    if (!(x >= 0 && x <= 255 && Number.isInteger(x)))
      throw new RangeError(`${what}: label value ${x} at voxel ${o} is not an integer in 0..255`);
    out[o] = x;
  }
  return createVolume(out, v.dims, v.affine);
}

/**
 * Reads and preprocesses one scan. Its masks must lie on the image's grid: same dims, and the
 * same affine (spacing, origin, orientation) within `GRID_TOLERANCE`.
 * @throws FormatError / RangeError from the readers; GridMismatchError naming both files when a
 * mask is not on the image's grid; RangeError when a mask holds values outside 0..255.
 */
export async function prepareScan(files: ScanFiles, options: PreprocessOptions = {}): Promise<PreparedScan> {
  checkPreprocessOptions(options);
  const image = await readNifti(files.image);
  const readMask = async (path: string) => {
    const mask = await readNifti(path);
    assertSameGrid(image, files.image, mask, path);
    return toUint8(mask, path);
  };
  let lesion = files.lesion ? await readMask(files.lesion) : undefined;
  const source = options.lungMask ?? 'file';
  let lung: Volume<Uint8Array> | undefined;
  if (source !== 'none' && files.lung) lung = await readMask(files.lung);
  else if (source === 'compute') lung = lungMask(image).mask;
  let img: Volume<VoxelArray> = image;
  if (lung && options.cropToLungMarginMm !== undefined) {
    const vols: Volume<VoxelArray>[] = [img, lung, ...(lesion ? [lesion] : [])];
    const c = cropToMask(vols, lung, options.cropToLungMarginMm).volumes;
    img = c[0] as Volume<VoxelArray>;
    lung = c[1] as Volume<Uint8Array>;
    if (lesion) lesion = c[2] as Volume<Uint8Array>;
  }
  if (options.spacing || options.shape) {
    const rs = <T extends VoxelArray>(v: Volume<T>, interpolation: 'linear' | 'nearest') =>
      options.spacing
        ? resampleToSpacing(v, options.spacing, { interpolation })
        : resampleToShape(v, options.shape as Vec3, { interpolation });
    img = rs(img, 'linear');
    if (lung) lung = rs(lung, 'nearest') as Volume<Uint8Array>;
    if (lesion) lesion = rs(lesion, 'nearest') as Volume<Uint8Array>;
  }
  let out = normalizeIntensity(img, {
    mode: options.normalize ?? 'window',
    window: options.window ?? DEEPSC_HU_WINDOW,
    ...(lung && options.normalize === 'zscore' ? { statsMask: lung } : {}),
  });
  if (lung && (options.lungMasking ?? 'multiply') === 'multiply') out = applyMask(out, lung, 0);
  return {
    id: files.id,
    label: files.label,
    image: out,
    ...(lesion ? { lesion } : {}),
    ...(lung ? { lung } : {}),
  };
}
