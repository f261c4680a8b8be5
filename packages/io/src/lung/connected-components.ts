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
  const di: number[] = [];
  const dj: number[] = [];
  const dk: number[] = [];
  for (let c = -1; c <= 1; c++) {
    for (let b = -1; b <= 1; b++) {
      for (let a = -1; a <= 1; a++) {
        const m = Math.abs(a) + Math.abs(b) + Math.abs(c);
        if (m === 0 || (connectivity === 6 && m > 1) || (connectivity === 18 && m > 2)) continue;
        di.push(a);
        dj.push(b);
        dk.push(c);
      }
    }
  }
  const nOff = di.length;
  const delta = di.map((a, q) => a + ni * ((dj[q] as number) + nj * (dk[q] as number)));
  const labels = new Int32Array(n);
  const sizes: number[] = [];
  const stack = new Int32Array(n);
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
      const rest = (q - i) / ni;
      const j = rest % nj;
      const k = (rest - j) / nj;
      // interior voxels skip the bounds checks
      const interior = i > 0 && j > 0 && k > 0 && i < ni - 1 && j < nj - 1 && k < nk - 1;
      for (let o = 0; o < nOff; o++) {
        if (!interior) {
          const a = i + (di[o] as number);
          const b = j + (dj[o] as number);
          const c = k + (dk[o] as number);
          if (a < 0 || b < 0 || c < 0 || a >= ni || b >= nj || c >= nk) continue;
        }
        const r = q + (delta[o] as number);
        if (mask[r] === 0 || labels[r] !== 0) continue;
        labels[r] = label;
        stack[top++] = r;
      }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}
