/**
 * Float64 references of the normalisation ops for x [N, C, ...]: statistics over groups of
 * channels of one sample (group_norm, instance_norm) or over one channel of every sample
 * (batch_norm). Written straight from the definitions, independent of the kernels' algorithm.
 */
import type { Ref } from './testing.js';

const dims = (shape: readonly number[]): [number, number, number] => [
  shape[0] as number,
  shape[1] as number,
  shape.slice(2).reduce((a, b) => a * b, 1),
];

/** y = (x - mean) / sqrt(var + eps) * gamma + beta, statistics per (sample, group). */
export function groupNorm64(x: Ref, gamma: Ref | null, beta: Ref | null, groups: number, eps: number): Ref {
  const [n, c, s] = dims(x.shape);
  const cpg = c / groups;
  const y = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++)
    for (let g = 0; g < groups; g++) {
      const base = (i * c + g * cpg) * s;
      const m = cpg * s;
      let mean = 0;
      for (let k = 0; k < m; k++) mean += x.data[base + k] as number;
      mean /= m;
      let v = 0;
      for (let k = 0; k < m; k++) v += ((x.data[base + k] as number) - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / m + eps);
      for (let k = 0; k < m; k++) {
        const ch = g * cpg + Math.floor(k / s);
        const gm = gamma ? (gamma.data[ch] as number) : 1;
        const bt = beta ? (beta.data[ch] as number) : 0;
        y[base + k] = ((x.data[base + k] as number) - mean) * rstd * gm + bt;
      }
    }
  return { data: y, shape: [...x.shape] };
}

/** Per-channel mean and biased variance over (N, spatial). */
export function channelMoments64(x: Ref): { mean: Float64Array; variance: Float64Array; count: number } {
  const [n, c, s] = dims(x.shape);
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let m = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) m += x.data[(i * c + ch) * s + k] as number;
    m /= n * s;
    let v = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < s; k++) v += ((x.data[(i * c + ch) * s + k] as number) - m) ** 2;
    mean[ch] = m;
    variance[ch] = v / (n * s);
  }
  return { mean, variance, count: n * s };
}

/** y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c] with the given per-channel statistics. */
export function channelAffine64(
  x: Ref,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  gamma: Ref | null,
  beta: Ref | null,
  eps: number,
): Ref {
  const [n, c, s] = dims(x.shape);
  const y = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      const rstd = 1 / Math.sqrt((variance[ch] as number) + eps);
      const gm = gamma ? (gamma.data[ch] as number) : 1;
      const bt = beta ? (beta.data[ch] as number) : 0;
      for (let k = 0; k < s; k++) {
        const j = (i * c + ch) * s + k;
        y[j] = ((x.data[j] as number) - (mean[ch] as number)) * rstd * gm + bt;
      }
    }
  return { data: y, shape: [...x.shape] };
}
