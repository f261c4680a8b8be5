/**
 * 3D connected-component labelling of a binary mask.
 * @module
 */

/** Voxel neighbourhoods: faces (6), faces and edges (18), or faces, edges and corners (26). */
export type Connectivity = 6 | 18 | 26;

/** Labelled components. */
export interface Components {
  /** Component label per voxel, 1-based; 0 = background. Labels are numbered in scan order (i fastest). */
  readonly labels: Int32Array;
  /** Voxel count of component `c` at index `c - 1`. */
  readonly sizes: number[];
}

/**
 * Labels the connected components of the voxels where `mask` is non-zero.
 *
 * @param mask - binary mask, i fastest (any numeric array of length `ni * nj * nk`).
 * @param dims - voxel counts along i, j, k.
 * @param connectivity - 6, 18 or 26; default 26 (the paper counts lesions as 26-connected components).
 * @throws RangeError when the lengths disagree or the connectivity is not 6, 18 or 26.
 */
export function connectedComponents(
  mask: ArrayLike<number>,
  dims: readonly [number, number, number],
  connectivity: Connectivity = 26,
): Components {
  const [ni, nj, nk] = dims;
  const n = ni * nj * nk;
  if (mask.length !== n)
    throw new RangeError(
      `connectedComponents: mask has ${mask.length} voxels, dims [${dims.join(', ')}] need ${n}`,
    );
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) {
    throw new RangeError(`connectedComponents: connectivity must be 6, 18 or 26, got ${connectivity}`);
  }
  const offsets: [number, number, number][] = [];
  for (let dk = -1; dk <= 1; dk++) {
    for (let dj = -1; dj <= 1; dj++) {
      for (let di = -1; di <= 1; di++) {
        const m = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (m === 0) continue;
        if (connectivity === 6 && m > 1) continue;
        if (connectivity === 18 && m > 2) continue;
        offsets.push([di, dj, dk]);
      }
    }
  }
  const labels = new Int32Array(n);
  const sizes: number[] = [];
  const stack = new Int32Array(n);
  const nij = ni * nj;
  let label = 0;
  for (let p = 0; p < n; p++) {
    if (mask[p] === 0 || labels[p] !== 0) continue;
    label++;
    let top = 0;
    stack[top++] = p;
    labels[p] = label;
    let size = 0;
    while (top > 0) {
      const q = stack[--top] as number;
      size++;
      const i = q % ni;
      const j = Math.floor(q / ni) % nj;
      const k = Math.floor(q / nij);
      for (const [di, dj, dk] of offsets) {
        const a = i + di;
        const b = j + dj;
        const c = k + dk;
        if (a < 0 || b < 0 || c < 0 || a >= ni || b >= nj || c >= nk) continue;
        const r = a + ni * b + nij * c;
        if (mask[r] === 0 || labels[r] !== 0) continue;
        labels[r] = label;
        stack[top++] = r;
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}
