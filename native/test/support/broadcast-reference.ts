/** Float64 NumPy broadcasting for the binary-op references (add, mul). */
import type { Ref } from './testing.js';

/** The broadcast shape of a and b (assumed compatible). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Index into `s` (aligned right in `out`) of the output element at multi-index `idx`. */
function sourceIndex(s: readonly number[], out: readonly number[], idx: readonly number[]): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const ext = s[i] as number;
    const j = idx[out.length - s.length + i] as number;
    k = k * ext + (ext === 1 ? 0 : j);
  }
  return k;
}

/** out = f(a, b) elementwise under broadcasting, in float64. */
export function broadcast64(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  const n = shape.reduce((p, q) => p * q, 1);
  const data = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    data[i] = f(
      a.data[sourceIndex(a.shape, shape, idx)] as number,
      b.data[sourceIndex(b.shape, shape, idx)] as number,
    );
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (shape[k] as number)) break;
      idx[k] = 0;
    }
  }
  return { data, shape };
}
