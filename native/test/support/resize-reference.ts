/**
 * Float64 reference of `resize` on x [N, C, D, H, W], written from PyTorch's definitions
 * (F.interpolate with `size`, align_corners=false). The source indices are computed in float32
 * (Math.fround) exactly as PyTorch's CPU kernels do, so a nearest pick never differs by a
 * rounding; the interpolation itself is in float64.
 */
import type { Ref } from './testing.js';

/** Per output index: two source indices and their weights. */
interface Taps {
  i0: number;
  i1: number;
  w0: number;
  w1: number;
}

export function axisTaps(mode: 'trilinear' | 'nearest', input: number, output: number): Taps[] {
  const f = Math.fround;
  const scale = f(input / output);
  return Array.from({ length: output }, (_, o) => {
    if (mode === 'nearest') {
      const i = Math.min(Math.floor(f(f(o) * scale)), input - 1);
      return { i0: i, i1: i, w0: 1, w1: 0 };
    }
    const src = Math.max(f(f(scale * f(o + 0.5)) - 0.5), 0);
    const i0 = Math.min(Math.floor(src), input - 1);
    const lambda = Math.min(Math.max(src - i0, 0), 1);
    return { i0, i1: i0 < input - 1 ? i0 + 1 : i0, w0: 1 - lambda, w1: lambda };
  });
}

export function resize64(
  x: Ref,
  mode: 'trilinear' | 'nearest',
  size: readonly [number, number, number],
): Ref {
  const [n, c, d, h, w] = x.shape as [number, number, number, number, number];
  const [od, oh, ow] = size;
  const td = axisTaps(mode, d, od);
  const th = axisTaps(mode, h, oh);
  const tw = axisTaps(mode, w, ow);
  const y = new Float64Array(n * c * od * oh * ow);
  let o = 0;
  for (let p = 0; p < n * c; p++)
    for (const a of td)
      for (const b of th)
        for (const e of tw) {
          let s = 0;
          for (const [zd, wd] of [
            [a.i0, a.w0],
            [a.i1, a.w1],
          ] as const)
            for (const [zh, wh] of [
              [b.i0, b.w0],
              [b.i1, b.w1],
            ] as const)
              for (const [zw, ww] of [
                [e.i0, e.w0],
                [e.i1, e.w1],
              ] as const)
                s += wd * wh * ww * (x.data[((p * d + zd) * h + zh) * w + zw] as number);
          y[o++] = s;
        }
  return { data: y, shape: [n, c, od, oh, ow] };
}
