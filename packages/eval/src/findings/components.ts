/**
 * Connected components of a binary mask with 26-connectivity (voxels touching by a face, an
 * edge or a corner belong together).
 * @module
 */
import type { Triple } from '../segmentation/mask.js';

/** Component labels and sizes. */
export interface Components {
  /** Per voxel: 0 for background, else the component id 1..count. */
  readonly labels: Int32Array;
  /** `sizes[id - 1]`: voxels of component `id`, in the order components were found (scan order). */
  readonly sizes: number[];
}

/**
 * Labels the 26-connected components of a 0/1 mask (iterative flood fill, no recursion, so
 * any component size is safe).
 */
export function connectedComponents26(mask: Uint8Array, dims: Triple): Components {
  const [ni, nj, nk] = dims;
  const plane = ni * nj;
  const labels = new Int32Array(mask.length);
  const sizes: number[] = [];
  const stack = new Int32Array(mask.length);
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    const id = sizes.length + 1;
    let top = 0;
    stack[top++] = seed;
    labels[seed] = id;
    let size = 0;
    while (top > 0) {
      const v = stack[--top] as number;
      size++;
      const k = Math.floor(v / plane);
      const r = v - k * plane;
      const j = Math.floor(r / ni);
      const i = r - j * ni;
      for (let dk = -1; dk <= 1; dk++) {
        const kk = k + dk;
        if (kk < 0 || kk >= nk) continue;
        for (let dj = -1; dj <= 1; dj++) {
          const jj = j + dj;
          if (jj < 0 || jj >= nj) continue;
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            if (ii < 0 || ii >= ni) continue;
            const u = ii + ni * (jj + nj * kk);
            if (mask[u] && !labels[u]) {
              labels[u] = id;
              stack[top++] = u;
            }
          }
        }
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}
