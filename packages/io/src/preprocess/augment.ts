/**
 * Seeded data augmentation applied identically to an image and its masks: flips, small
 * rotations and scaling (one affine map, trilinear for the image, nearest for the masks), then
 * Gaussian noise and gamma on the image only. The same `rng` state gives the same output.
 * @module
 */
import type { Rng } from '../random.js';
import type { Vec3, Volume, VoxelArray } from '../volume.js';
import { createVolume } from '../volume.js';
import { type VoxelMap, warpVolume } from './warp.js';

/** Options of {@link augment}; every range is sampled uniformly. */
export interface AugmentOptions {
  /** Axes (0 = i, 1 = j, 2 = k) that may be flipped, each with `flipProbability`; default `[0]` (left-right). */
  readonly flipAxes?: readonly (0 | 1 | 2)[];
  /** Default 0.5. */
  readonly flipProbability?: number;
  /** Largest rotation in degrees about the i, j and k axes (in mm space, so anisotropic voxels are handled); default `[0, 0, 10]` (in-plane only). */
  readonly rotateDeg?: Vec3;
  /** Isotropic scale range; default `[0.9, 1.1]`. */
  readonly scale?: readonly [number, number];
  /** Probability of the rotation-and-scale step; default 0.5. */
  readonly affineProbability?: number;
  /** Standard deviation of additive Gaussian noise in image units, drawn from [0, noiseSd]; default 0.02 (for images in [0, 1]). */
  readonly noiseSd?: number;
  /** Default 0.5. */
  readonly noiseProbability?: number;
  /** Gamma range, applied to the image rescaled to its own [min, max]; default `[0.8, 1.25]`. */
  readonly gamma?: readonly [number, number];
  /** Default 0.5. */
  readonly gammaProbability?: number;
  /** Image value outside the field of view after rotation; default: the image minimum. Masks get 0. */
  readonly padValue?: number;
}

/** The parameters drawn for one call (for logging and tests). */
export interface AugmentParams {
  readonly flips: readonly (0 | 1 | 2)[];
  readonly rotateDeg: Vec3;
  readonly scale: number;
  readonly noiseSd: number;
  readonly gamma: number;
}

/**
 * Augments an image and its masks with parameters drawn from `rng`.
 *
 * @param image - the image (normalised or HU).
 * @param masks - label volumes of the image's dims (lesion, lung); resampled with nearest neighbour so labels stay exact.
 * @param rng - the random stream; the same state gives the same output.
 * @param options - see {@link AugmentOptions}.
 * @returns Float32 image, masks of their own types, and the drawn parameters. Geometry (dims, affine) is unchanged.
 * @throws RangeError when a mask's dims differ from the image's or an option is out of range.
 */
export function augment(
  image: Volume<VoxelArray>,
  masks: readonly Volume<VoxelArray>[],
  rng: Rng,
  options: AugmentOptions = {},
): { image: Volume<Float32Array>; masks: Volume<VoxelArray>[]; params: AugmentParams } {
  for (const [n, m] of masks.entries()) {
    if (m.dims.some((d, a) => d !== image.dims[a])) {
      throw new RangeError(
        `augment: mask ${n} has dims [${m.dims.join(', ')}], the image [${image.dims.join(', ')}]`,
      );
    }
  }
  const flipAxes = options.flipAxes ?? [0];
  const scaleRange = options.scale ?? [0.9, 1.1];
  const gammaRange = options.gamma ?? [0.8, 1.25];
  const maxRot = options.rotateDeg ?? [0, 0, 10];
  if (!(scaleRange[0] > 0 && scaleRange[1] >= scaleRange[0]))
    throw new RangeError(`augment: scale range must be 0 < lo <= hi, got [${scaleRange.join(', ')}]`);
  if (!(gammaRange[0] > 0 && gammaRange[1] >= gammaRange[0]))
    throw new RangeError(`augment: gamma range must be 0 < lo <= hi, got [${gammaRange.join(', ')}]`);
  if (flipAxes.some((a) => a !== 0 && a !== 1 && a !== 2))
    throw new RangeError(`augment: flipAxes must be among 0, 1, 2, got [${flipAxes.join(', ')}]`);

  const flips = flipAxes.filter(() => rng.next() < (options.flipProbability ?? 0.5));
  let rot: [number, number, number] = [0, 0, 0];
  let scale = 1;
  if (rng.next() < (options.affineProbability ?? 0.5)) {
    rot = [
      rng.uniform(-maxRot[0], maxRot[0]),
      rng.uniform(-maxRot[1], maxRot[1]),
      rng.uniform(-maxRot[2], maxRot[2]),
    ];
    scale = rng.uniform(scaleRange[0], scaleRange[1]);
  }
  const noiseSd =
    rng.next() < (options.noiseProbability ?? 0.5) ? rng.uniform(0, options.noiseSd ?? 0.02) : 0;
  const gamma =
    rng.next() < (options.gammaProbability ?? 0.5)
      ? Math.exp(rng.uniform(Math.log(gammaRange[0]), Math.log(gammaRange[1])))
      : 1;
  const params: AugmentParams = { flips, rotateDeg: rot, scale, noiseSd, gamma };

  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const map = voxelMap(image, flips, rot, scale);
  const outImage = warpVolume(image, map, 'linear', options.padValue ?? lo).data as Float32Array;
  const outMasks = masks.map((m) => warpVolume(m, map, 'nearest', 0));

  if (gamma !== 1 && hi > lo) {
    const span = hi - lo;
    for (let i = 0; i < outImage.length; i++) {
      const t = Math.min(1, Math.max(0, ((outImage[i] as number) - lo) / span));
      outImage[i] = lo + span * t ** gamma;
    }
  }
  if (noiseSd > 0)
    for (let i = 0; i < outImage.length; i++) outImage[i] = (outImage[i] as number) + rng.normal(0, noiseSd);
  return {
    image: createVolume(outImage, image.dims, image.affine),
    masks: outMasks as Volume<VoxelArray>[],
    params,
  };
}

/** Output voxel -> input voxel: about the grid centre, in mm, flip then (rotation and scale)^-1. */
function voxelMap(v: Volume<VoxelArray>, flips: readonly number[], rotDeg: Vec3, scale: number): VoxelMap {
  const [a, b, c] = rotDeg.map((d) => (d * Math.PI) / 180) as [number, number, number];
  const rx = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const rz = [Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c), 0, 0, 0, 1];
  const r = mul3(rz, mul3(ry, rx));
  // inverse of (scale * R) is R^T / scale
  const inv = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((q) => (r[(q % 3) * 3 + Math.floor(q / 3)] as number) / scale);
  const s = v.spacing;
  const m: number[] = [];
  for (let row = 0; row < 3; row++) {
    const f = flips.includes(row) ? -1 : 1;
    for (let col = 0; col < 3; col++)
      m.push((f * (inv[row * 3 + col] as number) * (s[col] as number)) / (s[row] as number));
  }
  const cen = v.dims.map((n) => (n - 1) / 2);
  const t = [0, 1, 2].map(
    (row) =>
      (cen[row] as number) -
      ((m[row * 3] as number) * (cen[0] as number) +
        (m[row * 3 + 1] as number) * (cen[1] as number) +
        (m[row * 3 + 2] as number) * (cen[2] as number)),
  );
  return { m: m as unknown as VoxelMap['m'], t: t as unknown as VoxelMap['t'] };
}

function mul3(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out.push(
        (a[r * 3] as number) * (b[c] as number) +
          (a[r * 3 + 1] as number) * (b[3 + c] as number) +
          (a[r * 3 + 2] as number) * (b[6 + c] as number),
      );
  return out;
}
