// m13 measurement (not committed): native resize vs the 1x1x1-convolution trilinear resize
import { GraphBuilder, mulberry32, Tensor } from '@deepsc/core';
import { resizeTrilinear } from './src/layers.js';

type S5 = [number, number, number, number, number];
const cases: [string, S5, [number, number, number]][] = [
  ['cpu side h2', [1, 2, 4, 16, 16], [8, 32, 32]],
  ['cpu side h3', [1, 2, 2, 8, 8], [8, 32, 32]],
  ['cpu side h4', [1, 2, 2, 4, 4], [8, 32, 32]],
  ['cpu segLogits', [1, 2, 8, 32, 32], [16, 64, 64]],
  ['cpu whole h2', [1, 2, 8, 16, 16], [16, 32, 32]],
  ['cpu whole h4', [1, 2, 4, 4, 4], [16, 32, 32]],
  ['paper side h2', [1, 2, 6, 64, 64], [12, 128, 128]],
  ['paper side h4', [1, 2, 3, 16, 16], [12, 128, 128]],
  ['paper segLogits', [1, 2, 12, 128, 128], [24, 256, 256]],
  ['odd down', [2, 3, 7, 9, 11], [5, 4, 13]],
];
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const ord = (v: number) => {
  f32[0] = v;
  const i = i32[0] as number;
  return i < 0 ? -2147483648 - i : i;
};
function ulps(a: Float32Array, b: Float32Array) {
  let max = 0,
    diff = 0,
    maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) continue;
    diff++;
    const u = Math.abs(ord(a[i] as number) - ord(b[i] as number));
    if (u > max) max = u;
    const rel = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1e-30, Math.abs(b[i] as number));
    if (rel > maxRel) maxRel = rel;
  }
  return { differ: diff, of: a.length, maxUlp: max, maxRel: Number(maxRel.toExponential(2)) };
}
async function run(
  kind: 'op' | 'conv',
  shape: S5,
  size: [number, number, number],
  x: Tensor,
  seed: Tensor,
  reps: number,
) {
  const g = new GraphBuilder();
  const xi = g.input('x', shape);
  const y = kind === 'op' ? g.resize(xi, { mode: 'trilinear', size }) : resizeTrilinear(g, xi, size);
  g.output('y', y);
  const m = g.compile({ seedOutputs: ['y'], inputGradients: ['x'] });
  let out: Float32Array = new Float32Array(),
    gx: Float32Array = new Float32Array();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const o = await m.forward({ x });
    await m.backward({ y: seed });
    times.push(performance.now() - t0);
    out = Float32Array.from((o.y as Tensor).toArray());
    for (const t of Object.values(o)) t.dispose();
    const gt = m.gradient('x');
    gx = Float32Array.from(gt.toArray());
    gt.dispose();
  }
  m.dispose();
  times.sort((a, b) => a - b);
  return { out, gx, ms: times[Math.floor(times.length / 2)] as number };
}
const rand = mulberry32(5);
for (const [name, shape, size] of cases) {
  const n = shape.reduce((a, b) => a * b, 1);
  const ny = shape[0] * shape[1] * size[0] * size[1] * size[2];
  const x = Tensor.from(
    Float32Array.from({ length: n }, () => rand() * 8 - 4),
    shape,
  );
  const s = Tensor.from(
    Float32Array.from({ length: ny }, () => rand() * 2 - 1),
    [shape[0], shape[1], ...size],
  );
  const reps = ny > 1e6 ? 3 : 7;
  const a = await run('conv', shape, size, x, s, reps);
  const b = await run('op', shape, size, x, s, reps);
  console.log(
    JSON.stringify({
      name,
      shape,
      size,
      fwd: ulps(b.out, a.out),
      bwd: ulps(b.gx, a.gx),
      convMs: +a.ms.toFixed(2),
      opMs: +b.ms.toFixed(2),
    }),
  );
  x.dispose();
  s.dispose();
}
