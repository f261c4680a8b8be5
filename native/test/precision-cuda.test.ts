/**
 * compile({ precision: 'tf32' | 'bf16' }) on the CUDA device, through the executor: the CUDA
 * conv3d and conv_transpose3d (graph/precision.h's running precision -> conv3d.cu -> the
 * tensor-core kernels where lowp_takes the plan, else the fp32 kernels) on a table of layers:
 * a paper-like wide layer, odd extents with stride, dilation and groups, a one-channel stem
 * (whose passes stay fp32: M <= 8) and a transposed convolution. For each precision and layer,
 * the output and the gradients of x, w and b:
 *   - within the precision's bound of a float64 reference, per element
 *     |got - exact| <= ((1 + u)^2 - 1 + (ceil(R / 8) + 2) 2^-19) S + 2^-24 |b|-terms, S the sum of
 *     |products| (the reference on |operands|), u = 2^-11 (tf32) / 2^-8 (bf16), R the longest
 *     reduction of the layer's passes, 2^-19 per mma step the tensor cores' alignment error
 *     (docs/architecture.md, "Precision");
 *   - where the tensor-core kernels take the pass, not bitwise equal to the fp32 compile (the
 *     rounding is there, so the precision reached the kernel); where they do not (the stem's
 *     passes, the bias gradients), bitwise equal to it;
 *   - bitwise the same on a second run and in a second model (determinism per precision).
 * Needs a CUDA device and an engine built with DEEPSC_CUDA_LOWP=ON (benchmarks/gpu/lowp.sh);
 * SKIPPED otherwise, saying which; DEEPSC_REQUIRE_LOWP=1 turns the skip into a failure. The
 * refusal without the option runs wherever a GPU is visible.
 */
import { describe, expect, it } from 'vitest';
import { type GraphDesc, loadBinding, type NativeModelHandle, type RawTensor } from '../lib/index.js';
import {
  type ConvRefAttrs,
  conv3dAdjointRef,
  conv3dRef,
  convTranspose3dRef,
} from './support/conv-reference.js';
import { type Ref, randTensor, rng } from './support/testing.js';

const B = loadBinding();
const info = B.info();
const haveGpu = info.cudaBuilt && info.cudaDevices.length > 0;
const requireLowp = process.env.DEEPSC_REQUIRE_LOWP === '1';

type Low = 'tf32' | 'bf16';
const U: Record<Low, number> = { tf32: 2 ** -11, bf16: 2 ** -8 };

interface Layer {
  name: string;
  op: 'conv3d' | 'conv_transpose3d';
  x: number[];
  w: number[];
  attrs: ConvRefAttrs;
  /** Which of y, dx, dw the tensor-core kernels compute (the others run the fp32 kernels). */
  lowp: { y: boolean; dx: boolean; dw: boolean };
}

const LAYERS: Layer[] = [
  // forward M = 48 (64x128), backward-data M = 16 (32x128), backward-weight M = 48
  {
    name: 'wide 16 -> 48, 3^3, pad 1',
    op: 'conv3d',
    x: [1, 16, 12, 12, 12],
    w: [48, 16, 3, 3, 3],
    attrs: { padding: 1 },
    lowp: { y: true, dx: true, dw: true },
  },
  // odd extents, stride 2, dilation, 2 groups: forward and backward-weight M = 18 per group
  // (32x128); backward-data M = 5 per group (8x128, fp32)
  {
    name: 'odd 2x10 -> 36, groups 2, stride 2, dilation (1, 2, 1)',
    op: 'conv3d',
    x: [2, 10, 9, 10, 11],
    w: [36, 5, 3, 3, 3],
    attrs: { stride: 2, padding: [1, 2, 1], dilation: [1, 2, 1], groups: 2 },
    lowp: { y: true, dx: false, dw: true },
  },
  // the stem: one input channel, 8 outputs: forward M = 8 (8x128), backward-data M = 1 (4x128),
  // backward-weight 8 x 27 columns (32x32): all fp32 in every precision
  {
    name: 'stem 1 -> 8, 3^3, pad 1',
    op: 'conv3d',
    x: [2, 1, 10, 10, 10],
    w: [8, 1, 3, 3, 3],
    attrs: { padding: 1 },
    lowp: { y: false, dx: false, dw: false },
  },
  // conv_transpose3d 32 -> 16, 2^3 stride 2 (the U-Net's up-sampling): through conv3d's
  // backward-data (M = 16), forward (M = 32) and backward-weight (M = 32)
  {
    name: 'transposed 32 -> 16, 2^3, stride 2',
    op: 'conv_transpose3d',
    x: [1, 32, 6, 6, 6],
    w: [32, 16, 2, 2, 2],
    attrs: { stride: 2 },
    lowp: { y: true, dx: true, dw: true },
  },
];

const abs = (r: Ref): Ref => ({ data: r.data.map(Math.abs), shape: r.shape });
const ref64 = (t: RawTensor): Ref => ({ data: Float64Array.from(t.data), shape: [...t.shape] });

/** The layer's exact y, dx, dw, db for seed dy (float64), and the longest reduction. */
function exact(l: Layer, x: Ref, w: Ref, b: Ref, dy: Ref) {
  if (l.op === 'conv3d') {
    const y = conv3dRef(x, w, b, l.attrs);
    const g = conv3dAdjointRef(x, w, dy, l.attrs);
    return { y, dx: g.dx, dw: g.dw, db: g.db };
  }
  // conv_transpose3d is conv3d's backward-data: its input gradient is conv3d of dy with w, its
  // weight gradient conv3d's weight gradient with dy as the input and x as the output gradient
  const y = convTranspose3dRef(x, w, b, l.attrs);
  const dx = conv3dRef(dy, w, null, l.attrs);
  const dw = conv3dAdjointRef(dy, w, x, l.attrs).dw;
  const db = new Float64Array(b.data.length);
  const sp = dy.data.length / (dy.shape[0] as number) / b.data.length;
  for (let i = 0; i < dy.data.length; i++) {
    const c = Math.floor(i / sp) % b.data.length;
    db[c] = (db[c] as number) + (dy.data[i] as number);
  }
  return { y, dx, dw, db: { data: db, shape: b.shape } };
}

function desc(l: Layer, seed: number): { desc: GraphDesc; x: RawTensor } {
  const r = rng(seed);
  const w = randTensor(l.w, r, -0.5, 0.5);
  const channels = l.op === 'conv3d' ? (l.w[0] as number) : (l.w[1] as number) * (l.attrs.groups ?? 1);
  const b = randTensor([channels], r, -0.5, 0.5);
  const x = randTensor(l.x, r);
  const items: GraphDesc['items'][number][] = [
    { kind: 'input', name: 'x', shape: l.x },
    { kind: 'parameter', name: 'w', shape: l.w, data: w.data },
    { kind: 'parameter', name: 'b', shape: [channels], data: b.data },
    { kind: 'node', op: l.op, name: 'conv', attrs: { ...l.attrs } as never, inputs: [0, 1, 2], outputs: [3] },
  ];
  return { desc: { items, outputs: [{ name: 'y', value: 3 }] }, x };
}

interface Run {
  y: RawTensor;
  dx: RawTensor;
  dw: RawTensor;
  db: RawTensor;
}

async function run(m: NativeModelHandle, x: RawTensor, dy: RawTensor): Promise<Run> {
  const y = (await m.forward({ x })).y as RawTensor;
  await m.backward({ y: dy });
  return { y, dx: m.gradient('x'), dw: m.gradient('w'), db: m.gradient('b') };
}

const compile = (d: GraphDesc, precision: 'fp32' | Low) =>
  new B.NativeModel(d, {
    device: 'cuda',
    mode: 'train',
    seedOutputs: ['y'],
    inputGradients: ['x'],
    precision,
  });

const bitwise = (a: RawTensor, b: RawTensor) =>
  Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
    Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
  );

/** Whether this engine takes tf32 on CUDA (built with DEEPSC_CUDA_LOWP), and its refusal if not. */
function lowpBuilt(): { built: boolean; refusal?: string } {
  if (!haveGpu) return { built: false };
  const d = desc(LAYERS[0] as Layer, 1).desc;
  try {
    new B.NativeModel(d, { device: 'cuda', mode: 'infer', precision: 'tf32' }).dispose();
    return { built: true };
  } catch (err) {
    return { built: false, refusal: (err as Error).message };
  }
}
const lowp = lowpBuilt();
const why = !haveGpu
  ? `no CUDA device (cudaBuilt=${info.cudaBuilt}, cudaDevices=[${info.cudaDevices.join('; ')}])`
  : 'the engine was built without DEEPSC_CUDA_LOWP';

describe('precision on cuda: the build', () => {
  it.runIf(requireLowp)('DEEPSC_REQUIRE_LOWP=1: a GPU and an engine built with DEEPSC_CUDA_LOWP', () => {
    expect(haveGpu, why).toBe(true);
    expect(lowp.built, lowp.refusal ?? why).toBe(true);
  });
  it.runIf(haveGpu && !lowp.built)('without DEEPSC_CUDA_LOWP, tf32 is refused naming the option', () => {
    expect(lowp.refusal).toMatch(/precision 'tf32' is not available on device 'cuda'.*DEEPSC_CUDA_LOWP=ON/);
  });
});

describe.skipIf(!lowp.built)(
  lowp.built ? 'precision on cuda: conv layers' : `SKIPPED (${why}): precision on cuda: conv layers`,
  () => {
    const cases = LAYERS.flatMap((l) =>
      (['tf32', 'bf16'] as const).map((p) => ({ l, p, name: `${p}: ${l.name}` })),
    );
    it.each(cases)('$name', async ({ l, p }) => {
      const seed = 7;
      const { desc: d, x } = desc(l, seed);
      const fp32 = compile(d, 'fp32');
      const m1 = compile(d, p);
      const m2 = compile(d, p);
      try {
        const yShape = (await fp32.forward({ x })).y?.shape as number[];
        const dy = randTensor(yShape, rng(seed + 1));
        const want = await run(fp32, x, dy);
        const got = await run(m1, x, dy);
        const again = await run(m1, x, dy);
        const other = await run(m2, x, dy);
        const w = ref64(fp32.read('w'));
        const b = ref64(fp32.read('b'));
        const e = exact(l, ref64(x), w, b, ref64(dy));
        const s = exact(l, abs(ref64(x)), abs(w), abs(b), abs(ref64(dy)));
        // the longest reduction of the three passes (conv_transpose3d's are conv3d's with x and y
        // swapped, so the larger of both spatial sizes bounds the weight gradient's)
        const kvol = (l.w[2] as number) * (l.w[3] as number) * (l.w[4] as number);
        const perChannel = (t: Ref) => t.data.length / (t.shape[1] as number);
        const R = Math.max(
          (l.w[1] as number) * kvol,
          ((l.w[0] as number) / (l.attrs.groups ?? 1)) * kvol,
          perChannel(e.y),
          perChannel(ref64(x)),
        );
        const rel = (1 + U[p]) ** 2 - 1 + (Math.ceil(R / 8) + 2) * 2 ** -19;
        for (const k of ['y', 'dx', 'dw', 'db'] as const) {
          const g = got[k].data;
          let worst = 0;
          let at = -1;
          for (let i = 0; i < g.length; i++) {
            const bound =
              rel * (s[k].data[i] as number) + 2 ** -24 * Math.abs(e[k].data[i] as number) + 1e-30;
            const q = Math.abs((g[i] as number) - (e[k].data[i] as number)) / bound;
            if (!(q <= worst)) {
              worst = q;
              at = i;
            }
          }
          expect(worst, `${k}: worst at ${at}: got ${g[at]}, exact ${e[k].data[at]}`).toBeLessThanOrEqual(1);
          const lowpPass = k === 'db' ? false : l.lowp[k];
          expect(bitwise(got[k], want[k]), `${k}: bitwise equal to fp32 is ${!lowpPass}`).toBe(!lowpPass);
          expect(bitwise(got[k], again[k]), `${k}: a second run`).toBe(true);
          expect(bitwise(got[k], other[k]), `${k}: a second model`).toBe(true);
        }
      } finally {
        fp32.dispose();
        m1.dispose();
        m2.dispose();
      }
    });
  },
);
