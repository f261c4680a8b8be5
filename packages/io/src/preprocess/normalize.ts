/**
 * Intensity normalisation after windowing: min-max to [0, 1] over the window, or z-score.
 * @module
 */
import { createVolume, type Volume, type VoxelArray } from '../volume.js';
import { checkWindow, DEEPSC_HU_WINDOW, type HuWindow } from './window.js';

/** How to normalise: `window` maps the HU window to [0, 1]; `zscore` subtracts the mean and divides by the standard deviation. */
export type NormalizeMode = 'window' | 'zscore';

/** Options of {@link normalizeIntensity}. */
export interface NormalizeOptions {
  /** Default `window`. */
  readonly mode?: NormalizeMode;
  /** The HU window for `window` mode (values outside are clipped first); default [-1400, 200]. */
  readonly window?: HuWindow;
  /**
   * For `zscore`: only voxels where this mask is non-zero enter the mean and standard deviation
   * (for example the lung mask); all voxels are normalised. Same dims as the volume.
   */
  readonly statsMask?: Volume<VoxelArray>;
}

/**
 * Normalises a CT volume. `window` mode: clip to the window and scale linearly to [0, 1].
 * `zscore` mode: (x - mean) / sd, with sd floored at 1e-6 so a constant volume gives zeros.
 *
 * @param volume - CT in HU.
 * @param options - see {@link NormalizeOptions}.
 * @returns a Float32 volume with the same geometry.
 * @throws RangeError for a bad window, a stats mask of other dims, or an empty stats mask.
 */
export function normalizeIntensity(
  volume: Volume<VoxelArray>,
  options: NormalizeOptions = {},
): Volume<Float32Array> {
  const mode = options.mode ?? 'window';
  const src = volume.data;
  const out = new Float32Array(src.length);
  if (mode === 'window') {
    const w = options.window ?? DEEPSC_HU_WINDOW;
    checkWindow(w);
    const scale = 1 / (w.max - w.min);
    for (let i = 0; i < src.length; i++) {
      const v = src[i] as number;
      out[i] = v <= w.min ? 0 : v >= w.max ? 1 : (v - w.min) * scale;
    }
  } else if (mode === 'zscore') {
    const m = options.statsMask;
    if (m && m.dims.some((d, a) => d !== volume.dims[a])) {
      throw new RangeError(
        `normalizeIntensity: statsMask dims [${m.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]`,
      );
    }
    let n = 0;
    let sum = 0;
    for (let i = 0; i < src.length; i++) {
      if (m && m.data[i] === 0) continue;
      sum += src[i] as number;
      n++;
    }
    if (n === 0) throw new RangeError('normalizeIntensity: the statsMask selects no voxel (is it empty?)');
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < src.length; i++) {
      if (m && m.data[i] === 0) continue;
      const d = (src[i] as number) - mean;
      ss += d * d;
    }
    const sd = Math.max(Math.sqrt(ss / n), 1e-6);
    for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - mean) / sd;
  } else {
    throw new RangeError(`normalizeIntensity: mode must be 'window' or 'zscore', got '${String(mode)}'`);
  }
  return createVolume(out, volume.dims, volume.affine);
}
