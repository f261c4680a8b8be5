/**
 * The training preprocessing applied to a volume already in memory (a DICOM series, a NIfTI the
 * manifest does not list): the same steps, in the same order, as `@deepsc/io`'s `prepareScan`
 * (lung mask, crop to the lungs with a margin, resample to the network's grid, HU window to
 * [0, 1], multiply by the lung mask), so a scan predicts as the training scans were seen.
 * @module
 */
import {
  applyMask,
  assertSameGrid,
  createVolume,
  cropToMask,
  DEEPSC_HU_WINDOW,
  lungMask,
  normalizeIntensity,
  type PreprocessOptions,
  resampleToShape,
  type Volume,
  type VoxelArray,
} from '@deepsc/io';

/** A prepared volume and the lung mask it used (on the input's grid), for the findings. */
export interface PreparedVolume {
  image: Volume<Float32Array>;
  /** Lung mask on the input's grid (given, or computed by the classical method); absent with `lungMask: 'none'`. */
  lungOnInput?: Volume<Uint8Array>;
}

const toUint8 = (v: Volume<VoxelArray>): Volume<Uint8Array> => {
  if (v.data instanceof Uint8Array) return v as Volume<Uint8Array>;
  const out = new Uint8Array(v.data.length);
  for (let o = 0; o < out.length; o++) {
    const x = v.data[o] as number;
    out[o] = x > 0 ? Math.min(x, 255) : 0; // NaN and negatives: 0
  }
  return createVolume(out, v.dims, v.affine);
};

/**
 * Prepares a CT volume in HU as training prepared the manifest's scans.
 * @param lung - lung mask on the CT's grid; computed when absent and `options.lungMask` is not `none`
 *   (classical method; when it finds nothing, again keeping air at the volume's border, for crops).
 * @throws RangeError when `options` has no `shape` or when no lung is found and cropping is asked
 *   for; GridMismatchError when the lung mask is not on the CT's grid (dims, spacing, origin,
 *   orientation: `assertSameGrid`).
 */
export function prepareVolume(
  ct: Volume<VoxelArray>,
  options: PreprocessOptions,
  lung?: Volume<VoxelArray>,
): PreparedVolume {
  if (!options.shape)
    throw new RangeError('prepareVolume: options.shape (the network grid, i j k) is required');
  if (lung) assertSameGrid(ct, 'the CT', lung, 'the lung mask');
  const source = options.lungMask ?? 'file';
  let lungIn: Volume<Uint8Array> | undefined;
  if (source !== 'none') {
    lungIn = lung ? toUint8(lung) : lungMask(ct).mask;
    // a crop that lies inside the chest has no outside air: the default method then finds nothing
    if (!lung && !lungIn.data.some((v) => v > 0)) lungIn = lungMask(ct, { outsideAir: 'keep' }).mask;
  }
  if (lungIn && !lungIn.data.some((v) => v > 0))
    throw new RangeError(
      'prepareVolume: no lung found in the scan (is it a chest CT in HU?); pass a lung mask',
    );
  let img: Volume<VoxelArray> = ct;
  let lungOut = lungIn;
  if (lungIn && options.cropToLungMarginMm !== undefined) {
    const c = cropToMask<VoxelArray>([img, lungIn], lungIn, options.cropToLungMarginMm).volumes;
    img = c[0] as Volume<VoxelArray>;
    lungOut = c[1] as Volume<Uint8Array>;
  }
  img = resampleToShape(img, options.shape, { interpolation: 'linear' });
  if (lungOut)
    lungOut = resampleToShape(lungOut, options.shape, { interpolation: 'nearest' }) as Volume<Uint8Array>;
  let out = normalizeIntensity(img, {
    mode: options.normalize ?? 'window',
    window: options.window ?? DEEPSC_HU_WINDOW,
    ...(lungOut && options.normalize === 'zscore' ? { statsMask: lungOut } : {}),
  });
  if (lungOut && (options.lungMasking ?? 'multiply') === 'multiply') out = applyMask(out, lungOut, 0);
  return { image: out as Volume<Float32Array>, ...(lungIn ? { lungOnInput: lungIn } : {}) };
}
