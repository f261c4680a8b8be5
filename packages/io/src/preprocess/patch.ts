/**
 * Patch sampling with lesion oversampling, as DeepSC-COVID trains its segmentation stream:
 * random 24 x 256 x 256 (D x H x W) patches, 60% of them forced to contain lesion (at least 1%
 * of their voxels). Lesion counts per candidate box come from a summed-volume table, so a
 * candidate costs O(1) whatever the patch size.
 * @module
 */
import type { Rng } from '../random.js';
import type { Vec3, Volume, VoxelArray } from '../volume.js';
import type { VoxelBox } from './crop-pad.js';

/** Options of {@link PatchSampler}. */
export interface PatchSamplerOptions {
  /** Patch size in voxels along i, j, k; default `[256, 256, 24]` (the paper's 24 x 256 x 256, D x H x W). */
  readonly size?: Vec3;
  /** Probability that a patch is forced to hold lesion; default 0.6. */
  readonly lesionProbability?: number;
  /** The least lesion fraction of a forced patch's voxels; default 0.01. */
  readonly minLesionFraction?: number;
  /** Candidate boxes tried per forced patch before giving up; default 20. */
  readonly maxTries?: number;
}

/** How a patch was chosen: `lesion` (forced and meeting the minimum), `lesion-unmet` (forced, best of the tries, below the minimum), `random`. */
export type PatchKind = 'lesion' | 'lesion-unmet' | 'random';

/** A sampled patch box and how it was chosen. */
export interface PatchChoice {
  /** The box on the volume grid (may reach outside the volume when the volume is smaller than the patch: pad then). */
  readonly box: VoxelBox;
  readonly kind: PatchKind;
  /** Fraction of the patch's voxels that are lesion. */
  readonly lesionFraction: number;
}

/**
 * Samples patch boxes on one scan's grid. Build once per scan (it indexes the lesion mask), then
 * call {@link PatchSampler.sample} as often as needed; pass the boxes to `cropOrPad` for the
 * image and every mask, so they stay aligned.
 */
export class PatchSampler {
  private readonly dims: Vec3;
  private readonly size: Vec3;
  private readonly lesionProbability: number;
  private readonly minLesionFraction: number;
  private readonly maxTries: number;
  private readonly table: Int32Array | undefined;
  private readonly lesionVoxels: Int32Array;

  /**
   * @param dims - the scan's dims (i, j, k).
   * @param lesion - the lesion mask (non-zero = lesion), or undefined for a scan without one
   *   (then every patch is random).
   * @param options - see {@link PatchSamplerOptions}.
   * @throws RangeError for bad options or a lesion mask of other dims.
   */
  constructor(dims: Vec3, lesion: Volume<VoxelArray> | undefined, options: PatchSamplerOptions = {}) {
    this.dims = dims;
    this.size = options.size ?? [256, 256, 24];
    this.lesionProbability = options.lesionProbability ?? 0.6;
    this.minLesionFraction = options.minLesionFraction ?? 0.01;
    this.maxTries = options.maxTries ?? 20;
    if (this.size.length !== 3 || this.size.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(
        `PatchSampler: size must be three positive integers, got [${this.size.join(', ')}]`,
      );
    }
    if (!(this.lesionProbability >= 0 && this.lesionProbability <= 1)) {
      throw new RangeError(
        `PatchSampler: lesionProbability must lie in [0, 1], got ${this.lesionProbability}`,
      );
    }
    if (!(this.minLesionFraction >= 0 && this.minLesionFraction <= 1)) {
      throw new RangeError(
        `PatchSampler: minLesionFraction must lie in [0, 1], got ${this.minLesionFraction}`,
      );
    }
    if (!Number.isInteger(this.maxTries) || this.maxTries < 1)
      throw new RangeError(`PatchSampler: maxTries must be a positive integer, got ${this.maxTries}`);
    if (lesion && lesion.dims.some((d, a) => d !== dims[a])) {
      throw new RangeError(
        `PatchSampler: lesion mask dims [${lesion.dims.join(', ')}] differ from the scan's [${dims.join(', ')}]`,
      );
    }
    if (lesion) {
      const [t, voxels] = buildTable(lesion);
      this.table = t;
      this.lesionVoxels = voxels;
    } else {
      this.table = undefined;
      this.lesionVoxels = new Int32Array(0);
    }
  }

  /** Number of lesion voxels in a box (parts outside the volume count as no lesion). */
  lesionCount(box: VoxelBox): number {
    const t = this.table;
    if (!t) return 0;
    const [ni, nj] = this.dims;
    const lo = [0, 1, 2].map((a) => Math.max(0, Math.min(this.dims[a] as number, box.start[a] as number)));
    const hi = [0, 1, 2].map((a) =>
      Math.max(0, Math.min(this.dims[a] as number, (box.start[a] as number) + (box.size[a] as number))),
    );
    const sx = ni + 1;
    const sxy = sx * (nj + 1);
    const at = (i: number, j: number, k: number) => t[i + sx * j + sxy * k] as number;
    const [i0, j0, k0] = lo as [number, number, number];
    const [i1, j1, k1] = hi as [number, number, number];
    return (
      at(i1, j1, k1) -
      at(i0, j1, k1) -
      at(i1, j0, k1) -
      at(i1, j1, k0) +
      at(i0, j0, k1) +
      at(i0, j1, k0) +
      at(i1, j0, k0) -
      at(i0, j0, k0)
    );
  }

  /** Draws one patch box with `rng`. */
  sample(rng: Rng): PatchChoice {
    const volume = this.size[0] * this.size[1] * this.size[2];
    const forced = this.lesionVoxels.length > 0 && rng.next() < this.lesionProbability;
    if (!forced) {
      const box = { start: this.randomStart(rng), size: this.size };
      return { box, kind: 'random', lesionFraction: this.lesionCount(box) / volume };
    }
    let best: PatchChoice | undefined;
    const [ni, nj] = this.dims;
    for (let t = 0; t < this.maxTries; t++) {
      const v = this.lesionVoxels[rng.int(0, this.lesionVoxels.length)] as number;
      const at = [v % ni, Math.floor(v / ni) % nj, Math.floor(v / (ni * nj))];
      const start = [0, 1, 2].map((a) => {
        const s = this.size[a] as number;
        const n = this.dims[a] as number;
        const want = (at[a] as number) - rng.int(0, s);
        return clampStart(want, n, s);
      }) as unknown as Vec3;
      const box = { start, size: this.size };
      const f = this.lesionCount(box) / volume;
      if (!best || f > best.lesionFraction)
        best = { box, kind: f >= this.minLesionFraction ? 'lesion' : 'lesion-unmet', lesionFraction: f };
      if (f >= this.minLesionFraction) break;
    }
    return best as PatchChoice;
  }

  private randomStart(rng: Rng): Vec3 {
    return [0, 1, 2].map((a) => {
      const n = this.dims[a] as number;
      const s = this.size[a] as number;
      return n >= s ? rng.int(0, n - s + 1) : -rng.int(0, s - n + 1);
    }) as unknown as Vec3;
  }
}

function clampStart(want: number, n: number, s: number): number {
  // keep the patch inside the volume when it fits; otherwise keep the volume inside the patch
  return n >= s ? Math.min(n - s, Math.max(0, want)) : Math.min(0, Math.max(n - s, want));
}

function buildTable(mask: Volume<VoxelArray>): [Int32Array, Int32Array] {
  const [ni, nj, nk] = mask.dims;
  const sx = ni + 1;
  const sxy = sx * (nj + 1);
  const t = new Int32Array(sxy * (nk + 1));
  const d = mask.data;
  let count = 0;
  for (let p = 0; p < d.length; p++) if (d[p] !== 0) count++;
  const voxels = new Int32Array(count);
  let c = 0;
  let p = 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      let row = 0;
      for (let i = 0; i < ni; i++, p++) {
        if (d[p] !== 0) {
          row++;
          voxels[c++] = p;
        }
        const q = i + 1 + sx * (j + 1) + sxy * (k + 1);
        t[q] = row + (t[q - sx] as number) + (t[q - sxy] as number) - (t[q - sx - sxy] as number);
      }
    }
  }
  return [t, voxels];
}
