/** Float64 references of the loss ops (cross_entropy, focal, soft_dice, mse). */
import { channelDims, logSoftmax64 } from './channel-reference.js';
import type { Ref } from './testing.js';

const scalar = (v: number): Ref => ({ data: Float64Array.of(v), shape: [1] });

/** sum w[y] m (-(1 - p_y)^gamma log p_y) / sum w[y] m (gamma 0: cross-entropy); 0 if nothing counts. */
export function classLoss64(
  x: Ref,
  target: Ref,
  mask: Ref | null,
  weights: readonly number[] | undefined,
  gamma: number,
): Ref {
  const [n, c, s] = channelDims(x.shape);
  const lsm = logSoftmax64(x);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < s; k++) {
      const m = mask ? (mask.data[i * s + k] as number) : 1;
      if (m === 0) continue;
      const y = target.data[i * s + k] as number;
      const lp = lsm.data[(i * c + y) * s + k] as number;
      const w = (weights?.[y] ?? 1) * m;
      num += w * -((1 - Math.exp(lp)) ** gamma) * lp;
      den += w;
    }
  return scalar(den > 0 ? num / den : 0);
}

/** 1 - mean_n (2 sum p t m + smooth) / (sum p m + sum t m + smooth); m [N, C, ...] or [N, 1, ...]. */
export function softDice64(p: Ref, t: Ref, m: Ref | null, smooth: number): Ref {
  const [n, c, s] = channelDims(p.shape);
  let dice = 0;
  for (let i = 0; i < n; i++) {
    let inter = 0;
    let total = 0;
    for (let j = 0; j < c; j++)
      for (let k = 0; k < s; k++) {
        const e = (i * c + j) * s + k;
        const w = m ? (m.data[m.shape[1] === c ? e : i * s + k] as number) : 1;
        inter += w * (p.data[e] as number) * (t.data[e] as number);
        total += w * ((p.data[e] as number) + (t.data[e] as number));
      }
    dice += (2 * inter + smooth) / (total + smooth);
  }
  return scalar(1 - dice / n);
}

/** sum w (a - b)^2 / sum w, or the mean without w; 0 when sum w = 0. */
export function mse64(a: Ref, b: Ref, w: Ref | null): Ref {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    const wi = w ? (w.data[i] as number) : 1;
    const d = (a.data[i] as number) - (b.data[i] as number);
    num += wi * d * d;
    den += wi;
  }
  return scalar(den !== 0 ? num / den : 0);
}
