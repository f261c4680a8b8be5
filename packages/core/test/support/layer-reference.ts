/**
 * Float64 references of the ops the layer library and the losses are built from, in plain
 * TypeScript (NCDHW row-major), so layers and losses can be checked against them and their
 * gradients against finite differences of them (`numericGrad` of `@deepsc/native/testing`).
 */
import type { Ref } from '@deepsc/native/testing';

export type { Ref };

type S3 = [number, number, number];

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const ref = (data: ArrayLike<number>, shape: readonly number[]): Ref => ({
  data: Float64Array.from(data),
  shape: [...shape],
});

/** PyTorch's conv3d: w `[K, C, kd, kh, kw]`. */
export function conv3d(x: Ref, w: Ref, b: Ref | null, stride: S3, pad: S3): Ref {
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const [K, , kd, kh, kw] = w.shape as [number, number, number, number, number];
  const o = [D, H, W].map((n, a) => Math.floor((n + 2 * pad[a]! - [kd, kh, kw][a]!) / stride[a]!) + 1) as S3;
  const y = new Float64Array(N * K * numel(o));
  let i = 0;
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++)
      for (let od = 0; od < o[0]; od++)
        for (let oh = 0; oh < o[1]; oh++)
          for (let ow = 0; ow < o[2]; ow++, i++) {
            let s = b ? b.data[k]! : 0;
            for (let c = 0; c < C; c++)
              for (let a = 0; a < kd; a++) {
                const d = od * stride[0] - pad[0] + a;
                if (d < 0 || d >= D) continue;
                for (let bb = 0; bb < kh; bb++) {
                  const h = oh * stride[1] - pad[1] + bb;
                  if (h < 0 || h >= H) continue;
                  for (let cc = 0; cc < kw; cc++) {
                    const ww = ow * stride[2] - pad[2] + cc;
                    if (ww < 0 || ww >= W) continue;
                    s +=
                      x.data[(((n * C + c) * D + d) * H + h) * W + ww]! *
                      w.data[(((k * C + c) * kd + a) * kh + bb) * kw + cc]!;
                  }
                }
              }
            y[i] = s;
          }
  return { data: y, shape: [N, K, ...o] };
}

/** PyTorch's conv_transpose3d with kernel = stride, no padding: w `[C, K, sd, sh, sw]`. */
export function convTranspose3d(x: Ref, w: Ref, b: Ref | null): Ref {
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const [, K, sd, sh, sw] = w.shape as [number, number, number, number, number];
  const o = [D * sd, H * sh, W * sw] as S3;
  const y = new Float64Array(N * K * numel(o));
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++)
      for (let d = 0; d < o[0]; d++)
        for (let h = 0; h < o[1]; h++)
          for (let ww = 0; ww < o[2]; ww++) {
            let s = b ? b.data[k]! : 0;
            const [id, ih, iw] = [Math.floor(d / sd), Math.floor(h / sh), Math.floor(ww / sw)];
            for (let c = 0; c < C; c++)
              s +=
                x.data[(((n * C + c) * D + id) * H + ih) * W + iw]! *
                w.data[(((c * K + k) * sd + (d % sd)) * sh + (h % sh)) * sw + (ww % sw)]!;
            y[(((n * K + k) * o[0] + d) * o[1] + h) * o[2] + ww] = s;
          }
  return { data: y, shape: [N, K, ...o] };
}

/** Instance norm with affine gamma, beta (biased variance). */
export function instanceNorm(x: Ref, gamma: Ref, beta: Ref, eps = 1e-5): Ref {
  const [N, C] = x.shape as [number, number];
  const v = numel(x.shape.slice(2));
  const y = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const o = (n * C + c) * v;
      let m = 0;
      for (let i = 0; i < v; i++) m += x.data[o + i]!;
      m /= v;
      let s2 = 0;
      for (let i = 0; i < v; i++) s2 += (x.data[o + i]! - m) ** 2;
      const r = 1 / Math.sqrt(s2 / v + eps);
      for (let i = 0; i < v; i++) y[o + i] = (x.data[o + i]! - m) * r * gamma.data[c]! + beta.data[c]!;
    }
  return { data: y, shape: [...x.shape] };
}

export const leakyRelu = (x: Ref, slope = 0.01): Ref => ({
  data: x.data.map((v) => (v > 0 ? v : slope * v)),
  shape: [...x.shape],
});

export const add = (a: Ref, b: Ref): Ref => ({
  data: a.data.map((v, i) => v + b.data[i]!),
  shape: [...a.shape],
});

/** Channel concatenation of `[N, Ca, ...]` and `[N, Cb, ...]`. */
export function concat(a: Ref, b: Ref): Ref {
  const [N, Ca] = a.shape as [number, number];
  const Cb = b.shape[1]!;
  const v = numel(a.shape.slice(2));
  const y = new Float64Array(N * (Ca + Cb) * v);
  for (let n = 0; n < N; n++) {
    y.set(a.data.subarray(n * Ca * v, (n + 1) * Ca * v), n * (Ca + Cb) * v);
    y.set(b.data.subarray(n * Cb * v, (n + 1) * Cb * v), (n * (Ca + Cb) + Ca) * v);
  }
  return { data: y, shape: [N, Ca + Cb, ...a.shape.slice(2)] };
}

/** Softmax over channel axis 1. */
export function softmax(x: Ref): Ref {
  const [N, C] = x.shape as [number, number];
  const v = numel(x.shape.slice(2));
  const y = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < v; i++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) m = Math.max(m, x.data[(n * C + c) * v + i]!);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(x.data[(n * C + c) * v + i]! - m);
      for (let c = 0; c < C; c++) y[(n * C + c) * v + i] = Math.exp(x.data[(n * C + c) * v + i]! - m) / s;
    }
  return { data: y, shape: [...x.shape] };
}

/** PyTorch's nearest resize (`floor(dst * in / out)`) of `[N, C, D, H, W]` to `size`. */
export function resizeNearest(x: Ref, size: S3): Ref {
  const [N, C, D, H, W] = x.shape as [number, number, number, number, number];
  const y = new Float64Array(N * C * numel(size));
  let i = 0;
  for (let nc = 0; nc < N * C; nc++)
    for (let d = 0; d < size[0]; d++)
      for (let h = 0; h < size[1]; h++)
        for (let w = 0; w < size[2]; w++, i++) {
          const [sd, sh, sw] = [
            Math.floor((d * D) / size[0]),
            Math.floor((h * H) / size[1]),
            Math.floor((w * W) / size[2]),
          ];
          y[i] = x.data[((nc * D + sd) * H + sh) * W + sw]!;
        }
  return { data: y, shape: [N, C, ...size] };
}

/** PyTorch's trilinear `F.interpolate(x, size, align_corners=False)` of `[N, C, D, H, W]`, separably. */
export function resizeTrilinear(x: Ref, size: S3): Ref {
  let y = x;
  for (let a = 0; a < 3; a++) {
    const shape = [...y.shape];
    const inn = shape[2 + a] as number;
    const out = size[a] as number;
    const before = numel(shape.slice(0, 2 + a));
    const after = numel(shape.slice(3 + a));
    const z = new Float64Array(before * out * after);
    for (let o = 0; o < out; o++) {
      const src = Math.max(0, ((o + 0.5) * inn) / out - 0.5);
      const i0 = Math.min(Math.floor(src), inn - 1);
      const i1 = Math.min(i0 + 1, inn - 1);
      const t = src - i0;
      for (let b = 0; b < before; b++)
        for (let c = 0; c < after; c++)
          z[(b * out + o) * after + c] =
            (1 - t) * (y.data[(b * inn + i0) * after + c] as number) +
            t * (y.data[(b * inn + i1) * after + c] as number);
    }
    shape[2 + a] = out;
    y = { data: z, shape };
  }
  return y;
}
