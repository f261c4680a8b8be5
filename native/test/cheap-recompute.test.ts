// Cheap recomputation (src/graph/cheap_recompute.h): a value the backward reads, made by a
// cheap op from values alive anyway when it is read again, is recomputed there instead of kept
// from its forward. Checked per graph:
//  - bitwise: every gradient equals that of the plan without it and without buffer reuse
//    (`recomputeCheap` true, false and auto). The chained cases (a leaky_relu chain, stacked
//    norm + relu blocks) recompute values from other recomputed values: a recomputation reads
//    another segment's copy only once that copy is written (recompute.cpp), else the forward's;
//  - what is recomputed: cheap nodes only (norms, relus, 1x1x1 or small convolutions), never a
//    wide 3x3x3 convolution, and `auto` keeps the smaller arena;
//  - refusals of a bad option.
import { describe, expect, it } from 'vitest';
import { type GraphDesc, loadBinding, type NativeCompileOptions } from '../lib/index.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const binding = loadBinding();

type Item = GraphDesc['items'][number];

/** A graph builder for the cases: values by id, parameters random. */
function builder(seed: number) {
  const r = rng(seed);
  const items: Item[] = [];
  const add = (item: Item) => {
    items.push(item);
    return items.length - 1;
  };
  const param = (name: string, shape: number[], lo = -0.3, hi = 0.3) =>
    add({ kind: 'parameter', name, shape, data: randTensor(shape, r, lo, hi).data });
  const node = (op: string, name: string, attrs: object, inputs: (number | null)[]) => {
    const id = items.length;
    items.push({ kind: 'node', op, name, attrs, inputs, outputs: [id] } as Item);
    return id;
  };
  return { items, add, param, node, r };
}

interface Case {
  name: string;
  /** The graph (one input x, one output y) and x's shape. */
  build: () => { desc: GraphDesc; x: number[]; y: number[] };
  /** Node names cheap recomputation must recompute, and must not. */
  recomputed: string[];
  kept: string[];
  /** Whether recomputing lowers the arena (not in a chain, where each value is read again next). */
  saves: boolean;
}

/** x -> [conv(k) -> group_norm -> relu] x blocks -> y; the first conv's kernel `k0`. */
function blocks(channels: number, blocks: number, k0: number) {
  return () => {
    const b = builder(5);
    const x = [1, 2, 6, 6, 6];
    let v = b.add({ kind: 'input', name: 'x', shape: x });
    for (let i = 0; i < blocks; i++) {
      const cin = i === 0 ? 2 : channels;
      const k = i === 0 ? k0 : 3;
      const w = b.param(`c${i}.w`, [channels, cin, k, k, k]);
      const h = b.node('conv3d', `c${i}`, { padding: (k - 1) / 2 }, [v, w, null]);
      const gamma = b.param(`n${i}.gamma`, [channels], 0.5, 1.5);
      const beta = b.param(`n${i}.beta`, [channels]);
      const n = b.node('group_norm', `n${i}`, { groups: 2 }, [h, gamma, beta]);
      v = b.node('relu', `r${i}`, {}, [n]);
    }
    return { desc: { items: b.items, outputs: [{ name: 'y', value: v }] }, x, y: [1, channels, 6, 6, 6] };
  };
}

/** x -> leaky_relu x 8 -> y (each backward reads its input: every value is kept). */
function leakyChain() {
  const b = builder(7);
  const x = [1, 4, 4, 4, 8];
  let v = b.add({ kind: 'input', name: 'x', shape: x });
  const w = b.param('w', [4, 4, 1, 1, 1]);
  v = b.node('conv3d', 'in', {}, [v, w, null]);
  for (let i = 0; i < 8; i++) v = b.node('leaky_relu', `a${i}`, { slope: 0.1 }, [v]);
  return { desc: { items: b.items, outputs: [{ name: 'y', value: v }] }, x, y: x };
}

const cases: Case[] = [
  {
    name: 'stacked conv + group_norm + relu blocks: the relus are recomputed from the norms inputs',
    build: blocks(4, 3, 3),
    // The last relu is the output (kept anyway); c0 (3x3x3 of 2 channels: 54 multiply-adds per
    // output) and the 4-channel 3x3x3 convolutions are not cheap.
    recomputed: ['n0', 'r0', 'n1', 'r1'],
    kept: ['c0', 'c1', 'c2', 'r2'],
    saves: true,
  },
  {
    name: 'a 1x1x1 first convolution of 2 channels (2 multiply-adds per output) is cheap',
    build: blocks(4, 2, 1),
    recomputed: ['c0', 'n0', 'r0'],
    kept: ['c1'],
    saves: true,
  },
  {
    name: 'a leaky_relu chain (recomputations read recomputed values)',
    build: leakyChain,
    recomputed: ['a0'],
    kept: [],
    saves: false,
  },
];

const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

async function run(c: Case, options: Partial<NativeCompileOptions>) {
  const { desc, x, y } = c.build();
  const r = rng(3);
  const m = new binding.NativeModel(desc, {
    mode: 'train',
    seedOutputs: ['y'],
    inputGradients: ['x'],
    ...options,
  });
  try {
    await m.forward({ x: randTensor(x, r) });
    await m.backward({ y: randTensor(y, r) });
    const out: Record<string, string> = { x: hex(m.gradient('x').data) };
    for (const it of desc.items) if (it.kind === 'parameter') out[it.name] = hex(m.gradient(it.name).data);
    return { out, memory: m.info().memory };
  } finally {
    m.dispose();
  }
}

describe('cheap recomputation is bitwise neutral', () => {
  it.each(cases)('$name', async (c) => {
    const want = (await run(c, { reuse: 'none', recomputeCheap: false, backwardOrder: 'reverse-creation' }))
      .out;
    for (const recomputeCheap of [true, false, 'auto'] as const)
      for (const backwardOrder of ['reverse-creation', 'auto'] as const)
        expect(
          (await run(c, { recomputeCheap, backwardOrder })).out,
          `${recomputeCheap}, ${backwardOrder}`,
        ).toEqual(want);
  });
});

describe('what cheap recomputation takes', () => {
  it.each(cases)('$name', async (c) => {
    const on = (await run(c, { recomputeCheap: true })).memory;
    const off = (await run(c, { recomputeCheap: false })).memory;
    const auto = (await run(c, {})).memory;
    expect(on.recomputeCheap).toBe(true);
    expect(off.recomputeCheap).toBe(false);
    expect(off.recomputedNodes).toEqual([]);
    for (const n of c.recomputed) expect(on.recomputedNodes).toContain(n);
    for (const n of c.kept) expect(on.recomputedNodes).not.toContain(n);
    if (c.saves) expect(on.arenaBytes).toBeLessThan(off.arenaBytes);
    expect(auto.arenaBytes).toBe(Math.min(on.arenaBytes, off.arenaBytes));
    expect(auto.referenceArenaBytes).toBe(
      (await run(c, { recomputeCheap: false, backwardOrder: 'reverse-creation' })).memory.arenaBytes,
    );
  });

  it('inference plans no recomputation, even when asked', async () => {
    const { desc } = (cases[0] as Case).build();
    const m = new binding.NativeModel(desc, { mode: 'infer', recomputeCheap: true });
    try {
      expect(m.info().memory.recomputedNodes).toEqual([]);
      expect(m.info().memory.recomputeCheap).toBe(false);
    } finally {
      m.dispose();
    }
  });
});

describe('recomputeCheap: refusals', () => {
  it.each([
    { name: 'another string', value: 'always', type: RangeError, fragment: "recomputeCheap is 'always'" },
    { name: 'a number', value: 1, type: TypeError, fragment: 'recomputeCheap must be' },
  ])('$name', ({ value, type, fragment }) => {
    const { desc } = (cases[0] as Case).build();
    expectThrows(
      () =>
        new binding.NativeModel(desc, { mode: 'train', seedOutputs: ['y'], recomputeCheap: value as never }),
      type,
      fragment,
    );
  });
});
