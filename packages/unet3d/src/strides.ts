/**
 * The U-Net's downsampling plan from its patch size, nnU-Net's rule in voxels: each stage after
 * the first halves an axis when the axis is even and stays at least {@link MIN_FEATURE_AXIS}
 * voxels, and the network stops adding stages when no axis can be halved or it has `maxStages`.
 * So a thin patch (few slices) is downsampled in-plane only once its depth is spent, and every
 * transposed convolution (kernel = stride) restores its skip's size exactly.
 * @module
 */

/** `[D, H, W]`. */
export type Size3 = readonly [number, number, number];

/** The smallest size an axis is halved to. */
export const MIN_FEATURE_AXIS = 4;

/**
 * Strides of each stage, the first `[1, 1, 1]`; at most `maxStages` stages.
 * @throws RangeError for a patch axis that is not a positive integer or `maxStages` < 1.
 */
export function planStrides(patch: Size3, maxStages: number): Size3[] {
  if (patch.length !== 3 || patch.some((v) => !Number.isInteger(v) || v < 1))
    throw new RangeError(`planStrides: patch [${patch.join(', ')}] must be three positive integers`);
  if (!Number.isInteger(maxStages) || maxStages < 1)
    throw new RangeError(`planStrides: maxStages must be a positive integer, got ${maxStages}`);
  const strides: Size3[] = [[1, 1, 1]];
  let size = [...patch];
  while (strides.length < maxStages) {
    const s = size.map((v) => (v % 2 === 0 && v / 2 >= MIN_FEATURE_AXIS ? 2 : 1)) as unknown as Size3;
    if (s.every((v) => v === 1)) break;
    strides.push(s);
    size = size.map((v, a) => v / (s[a] as number));
  }
  return strides;
}

/** The feature grid of each stage for `patch` under `strides`. */
export function stageSizes(patch: Size3, strides: readonly Size3[]): Size3[] {
  let size: Size3 = patch;
  return strides.map((s) => {
    size = size.map((v, a) => v / (s[a] as number)) as unknown as Size3;
    return size;
  });
}
