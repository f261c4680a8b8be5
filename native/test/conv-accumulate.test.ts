// A value read by two convolutions gets two gradient contributions. The first overwrites its
// gradient; the CPU executor has the second conv's backward-data add straight into it
// (OpGradArgs::accumulate, planned in graph/backward.cpp), with no temporary buffer and no
// accumulate step. Checked per case and per ISA:
//  - bitwise: the graph's dx equals float32(eager dx of one conv + eager dx of the other), the
//    bits the temporary and the accumulate step gave (each element is computed in full, then
//    added once);
//  - against float64: central differences of a float64 reference (lib/testing's numericGrad),
//    or for the large case the hand-differentiated float64 adjoint;
//  - the plan holds no temporary: the graph with one shared input plans exactly 2 gradient-
//    sized buffers fewer than the same convs on two separate inputs (a temporary would make it 1);
//  - determinism: bitwise identical run to run and for 1, 2 and 3 threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  type ConvTranspose3dAttrs,
  forward,
  type GraphDesc,
  loadBinding,
  type RawTensor,
} from '../lib/index.js';
import { numericGrad } from '../lib/testing/index.js';
import { conv3dAdjointRef, conv3dRef, convTranspose3dRef } from './support/conv-reference.js';
import { expectClose, numel, type Ref, randTensor, rng, toRef } from './support/testing.js';

type ConvOp = 'conv3d' | 'conv_transpose3d';

interface Case {
  name: string;
  op: ConvOp;
  attrs: ConvTranspose3dAttrs;
  x: number[];
  w: number[];
  /** Check against the float64 adjoint instead of finite differences (conv3d only; large cases). */
  adjoint?: boolean;
}

const cases: Case[] = [
  {
    name: '3x3x3 pad 1, odd sizes',
    op: 'conv3d',
    attrs: { padding: 1 },
    x: [1, 3, 5, 6, 7],
    w: [4, 3, 3, 3, 3],
  },
  {
    name: 'stride 2, batch 2 (stride phases, strided stores)',
    op: 'conv3d',
    attrs: { stride: 2, padding: 1 },
    x: [2, 2, 7, 5, 9],
    w: [3, 2, 3, 3, 3],
  },
  {
    name: '1x1x1 stride 2 (phases no tap reaches)',
    op: 'conv3d',
    attrs: { stride: 2 },
    x: [1, 4, 5, 6, 6],
    w: [5, 4, 1, 1, 1],
  },
  {
    name: '1x1x1 over whole planes (the kernel writes dx directly when overwriting)',
    op: 'conv3d',
    attrs: {},
    x: [1, 6, 2, 4, 16],
    w: [8, 6, 1, 1, 1],
  },
  {
    name: 'groups 2, dilation 2, anisotropic kernel',
    op: 'conv3d',
    attrs: { groups: 2, dilation: 2, padding: 2 },
    x: [1, 4, 4, 5, 6],
    w: [6, 2, 3, 2, 3],
  },
  {
    name: 'several row chunks and work units per plane',
    op: 'conv3d',
    attrs: { padding: [0, 1, 1] },
    x: [2, 1, 2, 40, 33],
    w: [70, 1, 1, 3, 3],
    adjoint: true,
  },
  {
    name: 'stride 2, output_padding 1',
    op: 'conv_transpose3d',
    attrs: { stride: 2, padding: 1, output_padding: 1 },
    x: [1, 3, 3, 4, 5],
    w: [3, 4, 3, 3, 3],
  },
  {
    name: 'stride 1 pad 1, batch 2',
    op: 'conv_transpose3d',
    attrs: { padding: 1 },
    x: [2, 2, 4, 4, 5],
    w: [2, 3, 3, 3, 3],
  },
  {
    name: '1x1x1 over whole planes',
    op: 'conv_transpose3d',
    attrs: {},
    x: [1, 6, 2, 4, 16],
    w: [6, 8, 1, 1, 1],
  },
];

const binding = loadBinding();

/** Output shape of one conv of the case (by the eager forward). */
const outShape = (c: Case, x: RawTensor, w: RawTensor): number[] =>
  (forward(c.op, c.attrs, [x, w, null])[0] as RawTensor).shape as number[];

/**
 * x -> op(x, w1) = y1 and op(x, w2) = y2 (shared: one input x; else the second conv reads a
 * separate input x2 of the same shape). Value ids: x 0, w1 1, w2 2, then x2 3 when separate.
 */
function graph(c: Case, w1: RawTensor, w2: RawTensor, shared: boolean): GraphDesc {
  const x2 = shared ? 0 : 3;
  const out = shared ? 3 : 4;
  const attrs = { ...c.attrs };
  const items: GraphDesc['items'][number][] = [
    { kind: 'input', name: 'x', shape: c.x },
    { kind: 'parameter', name: 'w1', shape: c.w, data: w1.data },
    { kind: 'parameter', name: 'w2', shape: c.w, data: w2.data },
  ];
  if (!shared) items.push({ kind: 'input', name: 'x2', shape: c.x });
  items.push(
    { kind: 'node', op: c.op, name: 'a', attrs, inputs: [0, 1, null], outputs: [out] },
    { kind: 'node', op: c.op, name: 'b', attrs, inputs: [x2, 2, null], outputs: [out + 1] },
  );
  return {
    items,
    outputs: [
      { name: 'y1', value: out },
      { name: 'y2', value: out + 1 },
    ],
  };
}

interface Problem {
  x: RawTensor;
  w1: RawTensor;
  w2: RawTensor;
  dy1: RawTensor;
  dy2: RawTensor;
}

function problem(c: Case, seed: number): Problem {
  const r = rng(seed);
  const x = randTensor(c.x, r);
  const w1 = randTensor(c.w, r);
  const w2 = randTensor(c.w, r);
  const shape = outShape(c, x, w1);
  return { x, w1, w2, dy1: randTensor(shape, r), dy2: randTensor(shape, r) };
}

/** The graph's dL/dx for L = <dy1, y1> + <dy2, y2>. */
async function graphDx(c: Case, p: Problem): Promise<Float32Array> {
  const m = new binding.NativeModel(graph(c, p.w1, p.w2, true), {
    mode: 'train',
    seedOutputs: ['y1', 'y2'],
    inputGradients: ['x'],
  });
  try {
    await m.forward({ x: p.x });
    await m.backward({ y1: p.dy1, y2: p.dy2 });
    return m.gradient('x').data;
  } finally {
    m.dispose();
  }
}

/** Eager dx of one conv. */
function eagerDx(c: Case, x: RawTensor, w: RawTensor, dy: RawTensor): Float32Array {
  const y = forward(c.op, c.attrs, [x, w, null]);
  return (backward(c.op, c.attrs, [x, w, null], y, [dy], [true, false, false])[0] as RawTensor).data;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** float64 dL/dx: the adjoint, or central differences of the float64 forward. */
function referenceDx(c: Case, p: Problem): { dx: Float64Array; probed: number[] } {
  const [x, w1, w2, dy1, dy2] = [p.x, p.w1, p.w2, p.dy1, p.dy2].map(toRef) as Ref[];
  if (c.adjoint) {
    const a = conv3dAdjointRef(x as Ref, w1 as Ref, dy1 as Ref, c.attrs).dx.data;
    const b = conv3dAdjointRef(x as Ref, w2 as Ref, dy2 as Ref, c.attrs).dx.data;
    const dx = new Float64Array(a.length).map((_, i) => (a[i] as number) + (b[i] as number));
    return { dx, probed: Array.from(dx.keys()) };
  }
  const fwd = c.op === 'conv3d' ? conv3dRef : convTranspose3dRef;
  const reference = ([xx, ww1, ww2]: (Ref | null)[]): Ref[] => [
    fwd(xx as Ref, ww1 as Ref, null, c.attrs),
    fwd(xx as Ref, ww2 as Ref, null, c.attrs),
  ];
  const dx = numericGrad(reference, [x as Ref, w1 as Ref, w2 as Ref], [dy1 as Ref, dy2 as Ref], 0, 1e-6, 300);
  return { dx, probed: Array.from(dx.keys()).filter((i) => !Number.isNaN(dx[i])) };
}

async function checkCase(c: Case): Promise<void> {
  const p = problem(c, 7);
  const got = await graphDx(c, p);
  const a = eagerDx(c, p.x, p.w1, p.dy1);
  const b = eagerDx(c, p.x, p.w2, p.dy2);
  const sum = new Float32Array(a.length).map((_, i) => (a[i] as number) + (b[i] as number));
  expect(bits(got), `${c.op} ${c.name}: dx bits against float32(eager a + eager b)`).toEqual(bits(sum));
  const ref = referenceDx(c, p);
  expect(ref.probed.length, `${c.name}: probed elements`).toBeGreaterThan(Math.min(100, got.length / 2));
  const tol = { rtol: 1e-3, atol: 2e-4 };
  expectClose(
    ref.probed.map((i) => got[i] as number),
    ref.probed.map((i) => ref.dx[i] as number),
    tol,
    `${c.op} ${c.name}: dx against float64`,
  );
}

const detected = binding.info().detectedIsa;
const order = ['portable', 'avx2', 'avx512'] as const;
const isas = order.slice(0, order.indexOf(detected) + 1);

describe.each(isas)('a second conv gradient contribution added in the kernel, on %s', (isa) => {
  beforeAll(() => {
    expect(binding.setIsa(isa)).toBe(isa);
  });
  afterAll(() => {
    binding.setIsa(detected);
  });
  it.each(cases)('$op: $name', checkCase);
});

describe('the plan of a value read by two convolutions', () => {
  it.each(cases.filter((c) => !c.adjoint))('$op: $name: no temporary for the second contribution', (c) => {
    const p = problem(c, 3);
    const plan = (shared: boolean) => {
      const m = new binding.NativeModel(graph(c, p.w1, p.w2, shared), {
        mode: 'train',
        seedOutputs: ['y1', 'y2'],
        inputGradients: shared ? ['x'] : ['x', 'x2'],
      });
      try {
        return m.info().arenaBytesWithoutReuse;
      } finally {
        m.dispose();
      }
    };
    // Separate inputs: x2 and its gradient on top of the shared graph's buffers; a temporary
    // for the second contribution would put one x-sized buffer back. The planner rounds each
    // buffer up to 64 bytes (kArenaAlignFloats in src/graph/planner.h).
    const xBytes = Math.ceil((4 * numel(c.x)) / 64) * 64;
    expect(plan(false) - plan(true)).toBe(2 * xBytes);
  });
});

describe('determinism of the accumulating backward', () => {
  const c = cases[1] as Case;
  const p = problem(c, 9);
  it('is bitwise identical run to run and for 1, 2 and 3 threads', async () => {
    const before = binding.info().threads;
    try {
      const runs: number[][] = [];
      for (const n of [1, 2, 3, 3]) {
        binding.setNumThreads(n);
        runs.push(bits(await graphDx(c, p)));
      }
      for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
    } finally {
      binding.setNumThreads(before);
    }
  });
});
