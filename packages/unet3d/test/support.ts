import type { ModelScan, RandomSource } from '@deepsc/core';
import { mulberry32 } from '@deepsc/core';

/** A uniform source from a seed. */
export const source = (seed: number): RandomSource => {
  const r = mulberry32(seed);
  return { next: r };
};

/**
 * A scan on the grid `dims` [i, j, k] with a bright ball of lesion (radius `r` voxels at
 * `centre`) on noise, and its mask.
 */
export function ballScan(
  dims: [number, number, number],
  centre: [number, number, number],
  r: number,
  seed = 1,
  id = 'ball',
): ModelScan {
  const [ni, nj, nk] = dims;
  const rand = mulberry32(seed);
  const image = new Float32Array(ni * nj * nk);
  const lesion = new Uint8Array(ni * nj * nk);
  let o = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++, o++) {
        const inside = (i - centre[0]) ** 2 + (j - centre[1]) ** 2 + (k - centre[2]) ** 2 <= r * r;
        lesion[o] = inside ? 1 : 0;
        image[o] = (inside ? 1 : -0.5) + 0.2 * (rand() - 0.5);
      }
  return { id, label: 'covid', image: { dims, data: image }, lesion: { dims, data: lesion } };
}
