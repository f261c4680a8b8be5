/**
 * Float64 references of the 3D pooling ops on x [N, C, D, H, W], written from PyTorch's
 * definitions (output size with its ceil_mode rule, -infinity padding for max, the two
 * divisor rules for average) with plain loops over every window.
 */
import type { Ref } from './testing.js';

/** Window attributes with PyTorch's defaults filled in. */
export interface Window {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

const triple = (v: number | readonly number[] | undefined, dflt: number): number[] =>
  v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [...v];

export function windowOf(a: {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  ceil_mode?: boolean;
}): Window {
  const kernel = triple(a.kernel, 1);
  return {
    kernel,
    stride: a.stride === undefined ? kernel : triple(a.stride, 1),
    padding: triple(a.padding, 0),
    dilation: triple(a.dilation, 1),
    ceilMode: a.ceil_mode ?? false,
  };
}

/** PyTorch's pooling_output_shape. */
export function pooledSize(input: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = input + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= input + p) out--;
  return out;
}

/** Visits every output with the list of its window's taps that fall inside x (flat indices), plus per-axis clipped counts. */
function forEachWindow(
  x: Ref,
  w: Window,
  fn: (outIndex: number, taps: number[], padded: number[], real: number[]) => void,
): number[] {
  const [n, c, d, h, wd] = x.shape as [number, number, number, number, number];
  const dims = [d, h, wd];
  const out = dims.map((v, i) =>
    pooledSize(
      v,
      w.kernel[i] as number,
      w.stride[i] as number,
      w.padding[i] as number,
      w.dilation[i] as number,
      w.ceilMode,
    ),
  );
  const [od, oh, ow] = out as [number, number, number];
  let o = 0;
  for (let plane = 0; plane < n * c; plane++)
    for (let a = 0; a < od; a++)
      for (let b = 0; b < oh; b++)
        for (let e = 0; e < ow; e++) {
          const pos = [a, b, e];
          const padded: number[] = [];
          const real: number[] = [];
          const coords = pos.map((q, i) => {
            const start = q * (w.stride[i] as number) - (w.padding[i] as number);
            const end = Math.min(
              start + (w.kernel[i] as number),
              (dims[i] as number) + (w.padding[i] as number),
            );
            padded.push(end - start);
            real.push(Math.min(end, dims[i] as number) - Math.max(start, 0));
            const list: number[] = [];
            for (let k = 0; k < (w.kernel[i] as number); k++) {
              const v = start + k * (w.dilation[i] as number);
              if (v >= 0 && v < (dims[i] as number)) list.push(v);
            }
            return list;
          });
          const taps: number[] = [];
          for (const zd of coords[0] as number[])
            for (const zh of coords[1] as number[])
              for (const zw of coords[2] as number[]) taps.push(((plane * d + zd) * h + zh) * wd + zw);
          fn(o++, taps, padded, real);
        }
  return [n, c, od, oh, ow];
}

/** max over each window (taps in (kd, kh, kw) order; NaN wins). */
export function maxPool64(x: Ref, w: Window): Ref {
  const values: number[] = [];
  const shape = forEachWindow(x, w, (_o, taps) => {
    let m = Number.NEGATIVE_INFINITY;
    for (const t of taps) {
      const v = x.data[t] as number;
      if (v > m || Number.isNaN(v)) m = v;
    }
    values.push(m);
  });
  return { data: Float64Array.from(values), shape };
}

/** mean over each window, divided per count_include_pad. */
export function avgPool64(x: Ref, w: Window, countIncludePad: boolean): Ref {
  const values: number[] = [];
  const shape = forEachWindow(x, w, (_o, taps, padded, real) => {
    let s = 0;
    for (const t of taps) s += x.data[t] as number;
    const div = (countIncludePad ? padded : real).reduce((a, b) => a * b, 1);
    values.push(s / div);
  });
  return { data: Float64Array.from(values), shape };
}

/** A tensor of distinct values (a shuffled ramp with steps of 0.01), so windows never tie and finite differences are valid. */
export function distinctTensor(shape: number[], rand: () => number): { data: Float32Array; shape: number[] } {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return { data: Float32Array.from(order, (v) => (v - n / 2) * 0.01), shape };
}
