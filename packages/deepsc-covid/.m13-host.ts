import { mulberry32 } from '@deepsc/core';
import { createVolume, resampleToShape } from '@deepsc/io';
import { resampleMatrix } from './src/layers.js';
import { resample3d } from './src/resample.js';

type S3 = [number, number, number];
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const ord = (v: number) => {
  f32[0] = v;
  const i = i32[0] as number;
  return i < 0 ? -2147483648 - i : i;
};
function ref(x: Float32Array, s: S3, size: S3): Float64Array {
  let cur = Float64Array.from(x);
  const shape = [...s];
  for (let a = 0; a < 3; a++) {
    const inn = shape[a] as number,
      out = size[a] as number;
    if (inn === out) continue;
    const m = resampleMatrix(out, inn, 0, inn);
    const outer = shape.slice(0, a).reduce((p, v) => p * v, 1),
      inner = shape.slice(a + 1).reduce((p, v) => p * v, 1);
    const y = new Float64Array(outer * out * inner);
    for (let o = 0; o < outer; o++)
      for (let e = 0; e < out; e++)
        for (let i = 0; i < inn; i++) {
          const w = m[e * inn + i] as number;
          if (w === 0) continue;
          for (let k = 0; k < inner; k++)
            y[(o * out + e) * inner + k] += w * (cur[(o * inn + i) * inner + k] as number);
        }
    cur = y;
    shape[a] = out;
  }
  return cur;
}
const rand = mulberry32(9);
const cases: [string, S3, S3][] = [
  ['identity', [16, 64, 64], [16, 64, 64]],
  ['up x2', [8, 32, 32], [16, 64, 64]],
  ['down to cpu whole', [60, 120, 110], [32, 64, 64]],
  ['odd', [7, 9, 11], [5, 13, 4]],
  ['up seg->scan', [24, 128, 128], [61, 300, 280]],
];
for (const [name, s, size] of cases) {
  const n = s[0] * s[1] * s[2];
  const x = Float32Array.from({ length: n }, () => rand());
  const t0 = performance.now();
  const a = resample3d({ data: x, shape: s }, size).data;
  const t1 = performance.now();
  const b = resampleToShape(createVolume(x, [s[2], s[1], s[0]]), [size[2], size[1], size[0]])
    .data as Float32Array;
  const t2 = performance.now();
  let differ = 0,
    maxUlp = 0;
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) {
      differ++;
      maxUlp = Math.max(maxUlp, Math.abs(ord(a[i] as number) - ord(b[i] as number)));
    }
  let ea = 0,
    eb = 0;
  if (a.length < 3e6) {
    const r = ref(x, s, size);
    for (let i = 0; i < a.length; i++) {
      ea = Math.max(ea, Math.abs((a[i] as number) - (r[i] as number)));
      eb = Math.max(eb, Math.abs((b[i] as number) - (r[i] as number)));
    }
  }
  console.log(
    JSON.stringify({
      name,
      s,
      size,
      differ,
      of: a.length,
      maxUlp,
      errUlpOf1: { resample3d: ea / 2 ** -24, io: eb / 2 ** -24 },
      ms: { resample3d: +(t1 - t0).toFixed(1), io: +(t2 - t1).toFixed(1) },
    }),
  );
}
