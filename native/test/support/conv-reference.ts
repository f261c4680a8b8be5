/**
 * Float64 references of conv3d and conv_transpose3d, written as plain loops straight from
 * PyTorch's definitions (conv3d gathers, conv_transpose3d scatters), independent of the
 * engine's formulation, plus conv3d's adjoint for cases too large for finite differences.
 */
import type { Ref } from './testing.js';

/** A size per axis `[D, H, W]`, or one number for all three. */
export type Size3 = number | readonly [number, number, number];

const triple = (v: Size3 | undefined, dflt: number): [number, number, number] =>
  v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]];

/** Convolution attributes as the references read them. */
export interface ConvRefAttrs {
  stride?: Size3;
  padding?: Size3;
  dilation?: Size3;
  output_padding?: Size3;
  groups?: number;
}

interface Geo {
  N: number;
  C: number;
  K: number;
  G: number;
  inp: number[];
  out: number[];
  k: number[];
  s: number[];
  p: number[];
  d: number[];
}

/** Geometry of conv3d(x [N,C,in], w [K,C/G,k]): the conv's input and output sizes. */
function convGeo(xs: number[], ws: number[], a: ConvRefAttrs): Geo {
  const s = triple(a.stride, 1);
  const p = triple(a.padding, 0);
  const d = triple(a.dilation, 1);
  const inp = xs.slice(2);
  const k = ws.slice(2);
  const out = inp.map(
    (n, i) =>
      Math.floor(
        (n + 2 * (p[i] as number) - (d[i] as number) * ((k[i] as number) - 1) - 1) / (s[i] as number),
      ) + 1,
  );
  return {
    N: xs[0] as number,
    C: xs[1] as number,
    K: ws[0] as number,
    G: a.groups ?? 1,
    inp,
    out,
    k,
    s,
    p,
    d,
  };
}

/** Visits every (n, k, output position, c, tap, input position inside the input) of a conv. */
function forEachTerm(g: Geo, fn: (yi: number, xi: number, wi: number) => void): void {
  const Cg = g.C / g.G;
  const Kg = g.K / g.G;
  const [ID, IH, IW] = g.inp as [number, number, number];
  const [OD, OH, OW] = g.out as [number, number, number];
  const [KD, KH, KW] = g.k as [number, number, number];
  for (let n = 0; n < g.N; n++)
    for (let k = 0; k < g.K; k++) {
      const grp = Math.floor(k / Kg);
      for (let od = 0; od < OD; od++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const yi = (((n * g.K + k) * OD + od) * OH + oh) * OW + ow;
            for (let c = 0; c < Cg; c++)
              for (let kd = 0; kd < KD; kd++) {
                const id = od * (g.s[0] as number) - (g.p[0] as number) + kd * (g.d[0] as number);
                if (id < 0 || id >= ID) continue;
                for (let kh = 0; kh < KH; kh++) {
                  const ih = oh * (g.s[1] as number) - (g.p[1] as number) + kh * (g.d[1] as number);
                  if (ih < 0 || ih >= IH) continue;
                  for (let kw = 0; kw < KW; kw++) {
                    const iw = ow * (g.s[2] as number) - (g.p[2] as number) + kw * (g.d[2] as number);
                    if (iw < 0 || iw >= IW) continue;
                    const xi = (((n * g.C + grp * Cg + c) * ID + id) * IH + ih) * IW + iw;
                    const wi = (((k * Cg + c) * KD + kd) * KH + kh) * KW + kw;
                    fn(yi, xi, wi);
                  }
                }
              }
          }
    }
}

/** conv3d(x, w) + b in float64. */
export function conv3dRef(x: Ref, w: Ref, b: Ref | null, a: ConvRefAttrs): Ref {
  const g = convGeo(x.shape, w.shape, a);
  const shape = [g.N, g.K, ...g.out];
  const y = new Float64Array(shape.reduce((u, v) => u * v, 1));
  forEachTerm(g, (yi, xi, wi) => {
    y[yi] = (y[yi] as number) + (x.data[xi] as number) * (w.data[wi] as number);
  });
  if (b) {
    const sp = g.out.reduce((u, v) => u * v, 1);
    for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + (b.data[Math.floor(i / sp) % g.K] as number);
  }
  return { data: y, shape };
}

/** dL/dx, dL/dw, dL/db of conv3d for L = <dy, y>, in float64. */
export function conv3dAdjointRef(x: Ref, w: Ref, dy: Ref, a: ConvRefAttrs): { dx: Ref; dw: Ref; db: Ref } {
  const g = convGeo(x.shape, w.shape, a);
  const dx = new Float64Array(x.data.length);
  const dw = new Float64Array(w.data.length);
  forEachTerm(g, (yi, xi, wi) => {
    const gy = dy.data[yi] as number;
    dx[xi] = (dx[xi] as number) + gy * (w.data[wi] as number);
    dw[wi] = (dw[wi] as number) + gy * (x.data[xi] as number);
  });
  const sp = g.out.reduce((u, v) => u * v, 1);
  const db = new Float64Array(g.K);
  for (let i = 0; i < dy.data.length; i++) {
    const k = Math.floor(i / sp) % g.K;
    db[k] = (db[k] as number) + (dy.data[i] as number);
  }
  return {
    dx: { data: dx, shape: x.shape },
    dw: { data: dw, shape: w.shape },
    db: { data: db, shape: [g.K] },
  };
}

/** conv_transpose3d(x [N,C,in], w [C,K/G,k]) + b in float64, by scattering each input. */
export function convTranspose3dRef(x: Ref, w: Ref, b: Ref | null, a: ConvRefAttrs): Ref {
  const s = triple(a.stride, 1);
  const p = triple(a.padding, 0);
  const d = triple(a.dilation, 1);
  const op = triple(a.output_padding, 0);
  const G = a.groups ?? 1;
  const [N, C, ID, IH, IW] = x.shape as [number, number, number, number, number];
  const [, Kg, KD, KH, KW] = w.shape as [number, number, number, number, number];
  const K = Kg * G;
  const Cg = C / G;
  const out = [ID, IH, IW].map(
    (n, i) => (n - 1) * s[i]! - 2 * p[i]! + d[i]! * ([KD, KH, KW][i]! - 1) + op[i]! + 1,
  );
  const [OD, OH, OW] = out as [number, number, number];
  const y = new Float64Array(N * K * OD * OH * OW);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const grp = Math.floor(c / Cg);
      for (let id = 0; id < ID; id++)
        for (let ih = 0; ih < IH; ih++)
          for (let iw = 0; iw < IW; iw++) {
            const xv = x.data[(((n * C + c) * ID + id) * IH + ih) * IW + iw] as number;
            for (let k = 0; k < Kg; k++)
              for (let kd = 0; kd < KD; kd++) {
                const od = id * s[0] - p[0] + kd * d[0];
                if (od < 0 || od >= OD) continue;
                for (let kh = 0; kh < KH; kh++) {
                  const oh = ih * s[1] - p[1] + kh * d[1];
                  if (oh < 0 || oh >= OH) continue;
                  for (let kw = 0; kw < KW; kw++) {
                    const ow = iw * s[2] - p[2] + kw * d[2];
                    if (ow < 0 || ow >= OW) continue;
                    const yi = (((n * K + grp * Kg + k) * OD + od) * OH + oh) * OW + ow;
                    const wi = (((c * Kg + k) * KD + kd) * KH + kh) * KW + kw;
                    y[yi] = (y[yi] as number) + xv * (w.data[wi] as number);
                  }
                }
              }
          }
    }
  if (b) {
    const sp = OD * OH * OW;
    for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + (b.data[Math.floor(i / sp) % K] as number);
  }
  return { data: y, shape: [N, K, OD, OH, OW] };
}
