// The backward pass's node order (src/graph/backward_order.h). Besides reverse creation order,
// the planner plans a memory order (among the nodes whose output gradients are complete, the
// one that frees the most memory first) and keeps the smaller arena. Checked per case:
//  - bitwise: every gradient equals that of reverse creation order with no buffer reuse, in
//    each order. A value read by several branches gets one contribution per branch; two are
//    summed as a + b or b + a (the same float), three or more would associate differently in
//    another order, so the memory order keeps their contributions in reference order (the
//    three- and four-branch cases fail without that rule: their widest branch, created first,
//    frees the most and would otherwise run first);
//  - the choice (cheap recomputation off, so the order alone decides): `auto` plans both orders
//    and reports the one kept, its arena is the smaller (reverse creation on a tie), and
//    `referenceArenaBytes` is reverse creation's;
//  - an unknown order is refused.
import { describe, expect, it } from 'vitest';
import { type GraphDesc, loadBinding, type NativeCompileOptions, type RawTensor } from '../lib/index.js';
import { expectThrows, randTensor, rng } from './support/testing.js';

const binding = loadBinding();

interface Branch {
  /** Output channels: x -> conv3d -> sigmoid -> y (no hidden), or x -> conv3d -> relu -> conv3d -> y (1x1x1 convs). */
  width: number;
  hidden?: number;
}

interface Case {
  name: string;
  /** The branches reading x, in creation order. */
  branches: Branch[];
}

const cases: Case[] = [
  { name: 'two branches (commutative: any order)', branches: [{ width: 8 }, { width: 2 }] },
  {
    name: 'three branches (their sums keep reference order)',
    branches: [{ width: 8 }, { width: 4 }, { width: 2 }],
  },
  { name: 'four branches, widest first', branches: [{ width: 8 }, { width: 6 }, { width: 4 }, { width: 2 }] },
  { name: 'three branches, widest last', branches: [{ width: 2 }, { width: 4 }, { width: 8 }] },
  {
    name: 'a deep branch created first, a shallow one after (memory order frees the deep one first)',
    branches: [{ width: 32, hidden: 32 }, { width: 1 }],
  },
];

const X = [1, 8, 6, 6, 6];
const C = X[1] as number;

/** x, then per branch its weights and nodes; outputs y0, y1, ... */
function graph(c: Case, weights: RawTensor[][]): GraphDesc {
  const items: GraphDesc['items'][number][] = [{ kind: 'input', name: 'x', shape: X }];
  const outputs: { name: string; value: number }[] = [];
  c.branches.forEach((b, i) => {
    const [w, v] = weights[i] as RawTensor[];
    const id = items.length;
    items.push({
      kind: 'parameter',
      name: `w${i}`,
      shape: w?.shape as number[],
      data: w?.data as Float32Array,
    });
    items.push({
      kind: 'node',
      op: 'conv3d',
      name: `conv${i}`,
      attrs: {},
      inputs: [0, id, null],
      outputs: [id + 1],
    });
    if (b.hidden === undefined) {
      items.push({
        kind: 'node',
        op: 'sigmoid',
        name: `sigmoid${i}`,
        attrs: {},
        inputs: [id + 1],
        outputs: [id + 2],
      });
      outputs.push({ name: `y${i}`, value: id + 2 });
      return;
    }
    items.push(
      { kind: 'node', op: 'relu', name: `relu${i}`, attrs: {}, inputs: [id + 1], outputs: [id + 2] },
      { kind: 'parameter', name: `v${i}`, shape: v?.shape as number[], data: v?.data as Float32Array },
      {
        kind: 'node',
        op: 'conv3d',
        name: `out${i}`,
        attrs: {},
        inputs: [id + 2, id + 3, null],
        outputs: [id + 4],
      },
    );
    outputs.push({ name: `y${i}`, value: id + 4 });
  });
  return { items, outputs };
}

function problem(c: Case) {
  const r = rng(11);
  const x = randTensor(X, r);
  const weights = c.branches.map((b) =>
    b.hidden === undefined
      ? [randTensor([b.width, C, 1, 1, 1], r, -0.2, 0.2)]
      : [
          randTensor([b.hidden, C, 1, 1, 1], r, -0.2, 0.2),
          randTensor([b.width, b.hidden, 1, 1, 1], r, -0.2, 0.2),
        ],
  );
  const seeds = Object.fromEntries(c.branches.map((b, i) => [`y${i}`, randTensor([1, b.width, 6, 6, 6], r)]));
  return { x, weights, seeds };
}

const parameters = (c: Case) =>
  c.branches.flatMap((b, i) => (b.hidden === undefined ? [`w${i}`] : [`w${i}`, `v${i}`]));

function compile(c: Case, p: ReturnType<typeof problem>, options: Partial<NativeCompileOptions>) {
  return new binding.NativeModel(graph(c, p.weights), {
    mode: 'train',
    seedOutputs: c.branches.map((_, i) => `y${i}`),
    inputGradients: ['x'],
    ...options,
  });
}

const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Every gradient (x's and each weight's) of one forward and backward, as bytes. */
async function gradients(c: Case, options: Partial<NativeCompileOptions>): Promise<Record<string, string>> {
  const p = problem(c);
  const m = compile(c, p, options);
  try {
    await m.forward({ x: p.x });
    await m.backward(p.seeds);
    const out: Record<string, string> = { x: hex(m.gradient('x').data) };
    for (const name of parameters(c)) out[name] = hex(m.gradient(name).data);
    return out;
  } finally {
    m.dispose();
  }
}

function memory(c: Case, options: Partial<NativeCompileOptions>) {
  const m = compile(c, problem(c), options);
  try {
    return m.info().memory;
  } finally {
    m.dispose();
  }
}

describe('backward orders give bitwise the same gradients', () => {
  it.each(cases)('$name', async (c) => {
    const want = await gradients(c, { reuse: 'none', backwardOrder: 'reverse-creation' });
    for (const backwardOrder of ['reverse-creation', 'memory', 'auto'] as const)
      for (const recomputeCheap of [false, 'auto'] as const)
        expect(
          await gradients(c, { backwardOrder, recomputeCheap }),
          `${backwardOrder}, ${recomputeCheap}`,
        ).toEqual(want);
  });
});

describe('auto keeps the order with the smaller arena', () => {
  it.each(cases)('$name', (c) => {
    const off = { recomputeCheap: false } as const;
    const reverse = memory(c, { ...off, backwardOrder: 'reverse-creation' });
    const byMemory = memory(c, { ...off, backwardOrder: 'memory' });
    const auto = memory(c, off);
    expect(reverse.backwardOrder).toBe('reverse-creation');
    expect(reverse.referenceArenaBytes).toBe(reverse.arenaBytes);
    expect(byMemory.backwardOrder).toBe('memory');
    expect(byMemory.referenceArenaBytes).toBe(reverse.arenaBytes);
    expect(auto.arenaBytes).toBe(Math.min(reverse.arenaBytes, byMemory.arenaBytes));
    expect(auto.backwardOrder).toBe(byMemory.arenaBytes < reverse.arenaBytes ? 'memory' : 'reverse-creation');
    expect(auto.referenceArenaBytes).toBe(reverse.arenaBytes);
    for (const m of [reverse, byMemory, auto]) expect(m.recomputeCheap).toBe(false);
    // No reuse: every order takes the same arena, so reverse creation is kept.
    expect(memory(c, { ...off, reuse: 'none' }).backwardOrder).toBe('reverse-creation');
  });

  it("a deep branch created first: its activations die before the shallow branch allocates x's gradient", () => {
    const c = cases[4] as Case;
    const m = memory(c, { recomputeCheap: false });
    expect(m.backwardOrder).toBe('memory');
    // x's gradient no longer waits beside the deep branch's activations: the arena shrinks by at
    // most that one x-sized buffer (the rest of the layout shifts with it).
    expect(m.referenceArenaBytes - m.arenaBytes).toBeGreaterThan(0);
    expect(m.referenceArenaBytes - m.arenaBytes).toBeLessThanOrEqual(4 * 216 * C);
  });
});

describe('backwardOrder: refusals', () => {
  it.each([
    { name: 'an unknown order', order: 'fastest' },
    { name: 'the wrong spelling', order: 'reverse_creation' },
  ])('$name: RangeError naming the orders', ({ order }) => {
    const c = cases[0] as Case;
    expectThrows(
      () => compile(c, problem(c), { backwardOrder: order as never }),
      RangeError,
      `backwardOrder is '${order}'`,
      "'auto', 'reverse-creation' or 'memory'",
    );
  });
});
