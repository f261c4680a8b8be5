/**
 * Float64 references of the channel-axis ops (softmax, log_softmax and the losses built on
 * them), for tensors [N, C, ...] with the channel axis 1.
 */
import type { Ref } from './testing.js';

/** (N, C, S): batch, channels, positions per channel. */
export function channelDims(shape: readonly number[]): [number, number, number] {
  const s = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[0] as number, shape[1] as number, s];
}

/** log softmax over axis 1 in float64, max-subtracted. */
export function logSoftmax64(x: Ref): Ref {
  const [n, c, s] = channelDims(x.shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < s; k++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < c; j++) m = Math.max(m, x.data[(i * c + j) * s + k] as number);
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp((x.data[(i * c + j) * s + k] as number) - m);
      const lse = m + Math.log(sum);
      for (let j = 0; j < c; j++) out[(i * c + j) * s + k] = (x.data[(i * c + j) * s + k] as number) - lse;
    }
  return { data: out, shape: [...x.shape] };
}

/** softmax over axis 1 in float64. */
export function softmax64(x: Ref): Ref {
  const l = logSoftmax64(x);
  return { data: l.data.map(Math.exp), shape: l.shape };
}
