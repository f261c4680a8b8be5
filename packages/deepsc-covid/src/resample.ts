/**
 * Trilinear resampling of a 3D array `[D, H, W]` (align_corners=false, PyTorch's
 * `F.interpolate(..., mode='trilinear')`), one axis at a time so the temporaries stay within
 * the larger of the input and output sizes.
 * @module
 */
import type { Size3 } from './strides.js';

/** A 3D array of values, `[D, H, W]` row-major. */
export interface Array3 {
  data: Float32Array;
  shape: Size3;
}

/**
 * Resamples `x` to `size`.
 * @throws RangeError when a size is not a positive integer or the data does not fill the shape.
 */
export function resample3d(x: Array3, size: Size3): Array3 {
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  if (x.data.length !== n)
    throw new RangeError(`resample3d: ${x.data.length} values do not fill [${x.shape.join(', ')}]`);
  for (const s of [...x.shape, ...size])
    if (!Number.isSafeInteger(s) || s < 1)
      throw new RangeError(`resample3d: sizes must be positive integers, got ${s}`);
  let cur: Array3 = x;
  for (let a = 0; a < 3; a++) if (cur.shape[a] !== size[a]) cur = alongAxis(cur, a, size[a] as number);
  return cur === x ? { data: Float32Array.from(x.data), shape: x.shape } : cur;
}

function alongAxis(x: Array3, axis: number, out: number): Array3 {
  const s = [...x.shape];
  const inn = s[axis] as number;
  const outer = s.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = s.slice(axis + 1).reduce((p, v) => p * v, 1);
  s[axis] = out;
  const y = new Float32Array(outer * out * inner);
  const scale = inn / out;
  for (let i = 0; i < out; i++) {
    const c = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inn - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, inn - 1);
    const t = c - i0;
    for (let o = 0; o < outer; o++) {
      const src0 = (o * inn + i0) * inner;
      const src1 = (o * inn + i1) * inner;
      const dst = (o * out + i) * inner;
      for (let k = 0; k < inner; k++)
        y[dst + k] = (1 - t) * (x.data[src0 + k] as number) + t * (x.data[src1 + k] as number);
    }
  }
  return { data: y, shape: s as unknown as Size3 };
}
