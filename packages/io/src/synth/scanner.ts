/**
 * The scanner model: correlated Gaussian noise (white noise blurred with the system's point
 * spread function) and the point spread function's blur, then quantisation to int16 HU.
 * @module
 */
import type { Rng } from '../random.js';

import type { Vec3 } from '../volume.js';

function kernel(sigma: number): Float32Array {
  if (!(sigma > 0.05)) return Float32Array.of(1);
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let q = -r; q <= r; q++) {
    const v = Math.exp((-q * q) / (2 * sigma * sigma));
    k[q + r] = v;
    s += v;
  }
  for (let q = 0; q < k.length; q++) k[q] = (k[q] as number) / s;
  return k;
}

/** Separable Gaussian blur in place, sigma in voxels per axis; edges replicate. */
export function gaussianBlur(data: Float32Array, dims: Vec3, sigma: Vec3): void {
  const [ni, nj, nk] = dims;
  const strides = [1, ni, ni * nj];
  const maxN = Math.max(ni, nj, nk);
  const line = new Float32Array(maxN);
  for (let axis = 0; axis < 3; axis++) {
    const k = kernel(sigma[axis] as number);
    if (k.length === 1) continue;
    const r = (k.length - 1) / 2;
    const n = dims[axis] as number;
    const st = strides[axis] as number;
    const others = axis === 0 ? [nj, nk, ni, ni * nj] : axis === 1 ? [ni, nk, 1, ni * nj] : [ni, nj, 1, ni];
    const [na, nb, sa, sb] = others as [number, number, number, number];
    for (let b = 0; b < nb; b++) {
      for (let a = 0; a < na; a++) {
        const base = a * sa + b * sb;
        for (let q = 0; q < n; q++) line[q] = data[base + q * st] as number;
        for (let q = 0; q < n; q++) {
          let s = 0;
          for (let t = -r; t <= r; t++) {
            const idx = q + t < 0 ? 0 : q + t >= n ? n - 1 : q + t;
            s += (k[t + r] as number) * (line[idx] as number);
          }
          data[base + q * st] = s;
        }
      }
    }
  }
}

/** The factor by which a blur with `sigma` scales white noise's standard deviation. */
export function noiseGain(sigma: Vec3): number {
  let g = 1;
  for (const s of sigma) {
    const k = kernel(s);
    let ss = 0;
    for (const v of k) ss += v * v;
    g *= ss;
  }
  return Math.sqrt(g);
}

/**
 * Adds white noise scaled so that, after the blur, its standard deviation is `noiseSd` HU, then
 * blurs (so noise is correlated like CT noise and edges are soft).
 */
export function applyScanner(hu: Float32Array, dims: Vec3, rng: Rng, noiseSd: number, sigma: Vec3): void {
  const sd = noiseSd / noiseGain(sigma);
  for (let o = 0; o < hu.length; o++) hu[o] = (hu[o] as number) + rng.normal(0, sd);
  gaussianBlur(hu, dims, sigma);
}

/** Rounds to int16 HU, clamped to the scanner range [-1024, 3071]. */
export function toInt16Hu(hu: Float32Array): Int16Array {
  const out = new Int16Array(hu.length);
  for (let o = 0; o < hu.length; o++) {
    const v = Math.round(hu[o] as number);
    out[o] = v < -1024 ? -1024 : v > 3071 ? 3071 : v;
  }
  return out;
}
