/**
 * Where the patch lies in the whole scan, as resampling matrices per axis and feature level.
 * The cross-stitch unit and the task-aware term crop, resize and paste with these matrices
 * (graph inputs), so one compiled graph serves every patch position.
 * @module
 */
import { Tensor } from '@deepsc/core';
import type { ResolvedConfig } from './config.js';
import { resampleMatrix } from './layers.js';
import type { Size3 } from './strides.js';
import { hasCrossStitch } from './variant.js';

/** The patch's box in whole-scan input voxels: `[lo, hi)` per axis (continuous coordinates). */
export interface PatchRegion {
  /** First corner, `[d, h, w]` (voxel edges: 0 is the scan's first face). */
  lo: Size3;
  /** Opposite corner, each > lo and <= wholeSize. */
  hi: Size3;
}

const AXES: readonly string[] = ['d', 'h', 'w'];

/**
 * Names of the region inputs of a compiled joint model, for config `c` (empty when no axis can be
 * partial; without the cross-stitch unit, only the evidence maps' crops).
 */
export function regionInputNames(c: ResolvedConfig): string[] {
  const names: string[] = [];
  for (const a of c.regionAxes) {
    if (hasCrossStitch(c.variant))
      names.push(`region.crop_${AXES[a]}`, `region.paste_${AXES[a]}`, `region.inside_${AXES[a]}`);
    for (let level = 1; level <= 3; level++) names.push(`region.cam${level}_${AXES[a]}`);
  }
  return names;
}

/**
 * `[whole, patch]` paste matrix and `[whole, whole]` diagonal "inside" matrix: whole cells whose
 * centre lies in `[lo, hi)` take the patch resampled (linear, align_corners=false) there.
 */
export function pasteMatrices(
  whole: number,
  patch: number,
  lo: number,
  hi: number,
): { paste: Float64Array; inside: Float64Array } {
  const paste = new Float64Array(whole * patch);
  const inside = new Float64Array(whole * whole);
  const scale = patch / (hi - lo);
  for (let j = 0; j < whole; j++) {
    const centre = j + 0.5;
    if (centre < lo || centre >= hi) continue;
    inside[j * whole + j] = 1;
    let c = (centre - lo) * scale - 0.5;
    c = Math.min(Math.max(c, 0), patch - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, patch - 1);
    const t = c - i0;
    paste[j * patch + i0] = (paste[j * patch + i0] as number) + (1 - t);
    paste[j * patch + i1] = (paste[j * patch + i1] as number) + t;
  }
  return { paste, inside };
}

/**
 * Checks a region against the config: finite, `0 <= lo < hi <= wholeSize`, full extent on the
 * axes where patch and whole sizes are equal. (A region thinner than a whole-scan feature cell is
 * allowed: the crop still interpolates, the paste then changes no cell.)
 * @throws RangeError naming the axis and the value.
 */
export function validateRegion(c: ResolvedConfig, r: PatchRegion): void {
  for (let a = 0; a < 3; a++) {
    const lo = r.lo[a] as number;
    const hi = r.hi[a] as number;
    const n = c.wholeSize[a] as number;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo < 0 || hi > n || hi <= lo) {
      throw new RangeError(
        `region axis ${AXES[a]}: [${lo}, ${hi}) must satisfy 0 <= lo < hi <= ${n} (wholeSize)`,
      );
    }
    if (!c.regionAxes.includes(a) && (lo !== 0 || hi !== n)) {
      throw new RangeError(
        `region axis ${AXES[a]}: [${lo}, ${hi}) must be [0, ${n}): patchSize equals wholeSize on this axis, so the patch spans the scan`,
      );
    }
  }
}

/**
 * The region inputs for `r` (fresh tensors; dispose them): per partial axis the level-0 crop
 * `[patch, whole]`, paste `[whole, patch]` and inside `[whole, whole]` matrices of the
 * cross-stitch unit (variants that have it), and the crop matrices `cam1..3` of the evidence
 * maps at levels 1 to 3.
 * @throws RangeError from {@link validateRegion}.
 */
export function regionInputs(c: ResolvedConfig, r: PatchRegion): Record<string, Tensor> {
  validateRegion(c, r);
  const out: Record<string, Tensor> = {};
  for (const a of c.regionAxes) {
    const ax = AXES[a];
    for (let level = hasCrossStitch(c.variant) ? 0 : 1; level <= 3; level++) {
      const s = (c.scales[level] as Size3)[a] as number;
      const w = (c.wholeGrids[level] as Size3)[a] as number;
      const p = (c.patchGrids[level] as Size3)[a] as number;
      const lo = (r.lo[a] as number) / s;
      const hi = (r.hi[a] as number) / s;
      const crop = Float32Array.from(resampleMatrix(p, w, lo, hi));
      if (level === 0) {
        out[`region.crop_${ax}`] = Tensor.from(crop, [p, w]);
        const { paste, inside } = pasteMatrices(w, p, lo, hi);
        out[`region.paste_${ax}`] = Tensor.from(Float32Array.from(paste), [w, p]);
        out[`region.inside_${ax}`] = Tensor.from(Float32Array.from(inside), [w, w]);
      } else {
        out[`region.cam${level}_${ax}`] = Tensor.from(crop, [p, w]);
      }
    }
  }
  return out;
}
