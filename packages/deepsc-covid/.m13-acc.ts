import { GraphBuilder, mulberry32, Tensor } from '@deepsc/core';
import { resampleMatrix, resizeTrilinear } from './src/layers.js';

type S5 = [number, number, number, number, number];
const cases: [string, S5, [number, number, number]][] = [
  ['cpu segLogits', [1, 2, 8, 32, 32], [16, 64, 64]],
  ['paper side h2', [1, 2, 6, 64, 64], [12, 128, 128]],
  ['odd down', [2, 3, 7, 9, 11], [5, 4, 13]],
];
function ref(x: Float32Array, s: S5, size: number[]): Float64Array {
  let cur = Float64Array.from(x);
  const shape = [...s];
  for (let a = 0; a < 3; a++) {
    const inn = shape[2 + a] as number,
      out = size[a] as number;
    const m = resampleMatrix(out, inn, 0, inn);
    const outer = shape.slice(0, 2 + a).reduce((p, v) => p * v, 1),
      inner = shape.slice(3 + a).reduce((p, v) => p * v, 1);
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
    shape[2 + a] = out;
  }
  return cur;
}
const rand = mulberry32(5);
for (const [name, shape, size] of cases) {
  const n = shape.reduce((a, b) => a * b, 1);
  const xd = Float32Array.from({ length: n }, () => rand() * 8 - 4);
  const x = Tensor.from(xd, shape);
  const r = ref(xd, shape, size);
  const res: Record<string, number> = {};
  for (const kind of ['conv', 'op'] as const) {
    const g = new GraphBuilder();
    const xi = g.input('x', shape);
    g.output('y', kind === 'op' ? g.resize(xi, { mode: 'trilinear', size }) : resizeTrilinear(g, xi, size));
    const m = g.compile({ mode: 'infer' });
    const o = await m.forward({ x });
    const y = (o.y as Tensor).toArray();
    let e = 0;
    for (let i = 0; i < y.length; i++) e = Math.max(e, Math.abs((y[i] as number) - (r[i] as number)));
    res[kind] = e / (4 * 2 ** -23); // in units of the ulp of the inputs' largest magnitude (4)
    for (const t of Object.values(o)) t.dispose();
    m.dispose();
  }
  console.log(name, 'max |error| vs float64 trilinear, in ulps of max|x|:', JSON.stringify(res));
  x.dispose();
}
