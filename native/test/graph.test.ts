// The graph executor through the raw binding: arena planning (reuse lowers the peak, and never
// corrupts values), the derived backward pass, and the order and compile errors. The typed
// API on top (@deepsc/core) has its own tests.
import { describe, expect, it } from 'vitest';
import {
  backward,
  forward,
  type GraphDesc,
  loadBinding,
  type NativeCompileOptions,
  type NodeItem,
  type RawTensor,
} from '../lib/index.js';
import { randTensor, rng } from './support/testing.js';

const B = loadBinding();

/** x -> op -> op -> ... (n nodes), output 'y'; ops alternate leaky_relu slopes so every value differs. */
function chain(n: number, shape: number[]): GraphDesc {
  const items: GraphDesc['items'][number][] = [{ kind: 'input', name: 'x', shape }];
  for (let i = 0; i < n; i++) {
    items.push({
      kind: 'node',
      op: 'leaky_relu',
      name: `l${i}`,
      attrs: { slope: 0.5 + 0.1 * (i % 3) },
      inputs: [i],
      outputs: [i + 1],
    });
  }
  return { items, outputs: [{ name: 'y', value: n }] };
}

const compile = (desc: GraphDesc, opts: NativeCompileOptions) => new B.NativeModel(desc, opts);

describe('arena planning', () => {
  const shape = [64, 64]; // 16 KiB per value
  const bytes = 64 * 64 * 4;
  const cases: { name: string; n: number; opts: NativeCompileOptions; reused: number; plain: number }[] = [
    // Forward only: input and output of the running step are alive: 2 buffers whatever the length.
    { name: 'infer chain of 8', n: 8, opts: { mode: 'infer' }, reused: 2 * bytes, plain: 9 * bytes },
    { name: 'infer chain of 32', n: 32, opts: { mode: 'infer' }, reused: 2 * bytes, plain: 33 * bytes },
    // Training keeps every activation for the backward pass (leaky_relu's backward reads its
    // input); each backward writes its input gradient over its output gradient, so the seed and
    // all 8 gradients are one buffer: 10 buffers, with or without reuse.
    {
      name: 'train chain of 8',
      n: 8,
      opts: { mode: 'train', seedOutputs: ['y'], inputGradients: ['x'] },
      reused: 10 * bytes,
      plain: 10 * bytes,
    },
    // Without in-place gradients, at the first backward step the 9 activations, the seed and
    // the gradient being written are alive: 11 buffers instead of 9 activations + 9 gradients.
    {
      name: 'train chain of 8, nothing in place',
      n: 8,
      opts: {
        mode: 'train',
        seedOutputs: ['y'],
        inputGradients: ['x'],
        inPlace: false,
        recomputeCheap: false,
      },
      reused: 11 * bytes,
      plain: 18 * bytes,
    },
    // Nothing wants a gradient (no parameters, no input gradients): no backward is planned.
    {
      name: 'train chain of 8 without gradients',
      n: 8,
      opts: { mode: 'train', seedOutputs: ['y'] },
      reused: 2 * bytes,
      plain: 9 * bytes,
    },
  ];
  it.each(cases)('$name: reuse lowers the peak', ({ n, opts, reused, plain }) => {
    const m = compile(chain(n, shape), opts);
    const none = compile(chain(n, shape), { ...opts, reuse: 'none' });
    const info = m.info();
    expect(info.arenaBytesWithoutReuse).toBe(plain);
    expect(info.arenaBytes).toBe(reused);
    expect(none.info().arenaBytes).toBe(plain);
    m.dispose();
    none.dispose();
  });

  it('reused buffers never corrupt values: outputs and gradients equal eager op calls', async () => {
    const r = rng(3);
    const n = 12;
    const x = randTensor(shape, r);
    const seed = randTensor(shape, r);
    const desc = chain(n, shape);
    const results = [];
    for (const reuse of ['greedy', 'none'] as const) {
      const m = compile(desc, { mode: 'train', seedOutputs: ['y'], inputGradients: ['x'], reuse });
      const out = await m.forward({ x });
      await m.backward({ y: seed });
      results.push({ y: out.y as RawTensor, dx: m.gradient('x') });
      m.dispose();
    }
    // Eager reference, op by op.
    const acts: RawTensor[] = [x];
    const nodes = desc.items.filter((i): i is NodeItem => i.kind === 'node');
    for (const node of nodes)
      acts.push(
        forward('leaky_relu', node.attrs as { slope: number }, [acts.at(-1) as RawTensor])[0] as RawTensor,
      );
    let g: RawTensor = seed;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i] as NodeItem;
      g = backward(
        'leaky_relu',
        node.attrs as { slope: number },
        [acts[i] as RawTensor],
        [acts[i + 1] as RawTensor],
        [g],
        [true],
      )[0] as RawTensor;
    }
    for (const res of results) {
      expect(Array.from(res.y.data)).toEqual(Array.from((acts.at(-1) as RawTensor).data));
      expect(Array.from(res.dx.data)).toEqual(Array.from(g.data));
    }
  });

  it('accumulates the gradient of a value with several consumers', async () => {
    // y1 = relu(x), y2 = leaky_relu(x), y3 = leaky_relu(x): dx = s1 [x>0] + (s2 + s3)(x>0 ? 1 : 0.2)
    const items: GraphDesc['items'] = [
      { kind: 'input', name: 'x', shape: [5] },
      { kind: 'node', op: 'relu', name: 'a', attrs: {}, inputs: [0], outputs: [1] },
      { kind: 'node', op: 'leaky_relu', name: 'b', attrs: { slope: 0.2 }, inputs: [0], outputs: [2] },
      { kind: 'node', op: 'leaky_relu', name: 'c', attrs: { slope: 0.2 }, inputs: [0], outputs: [3] },
    ];
    const m = compile(
      {
        items,
        outputs: [
          { name: 'y1', value: 1 },
          { name: 'y2', value: 2 },
          { name: 'y3', value: 3 },
        ],
      },
      { mode: 'train', seedOutputs: ['y1', 'y2', 'y3'], inputGradients: ['x'] },
    );
    const xs = [-2, -0.5, 0.5, 1, 3];
    await m.forward({ x: { data: new Float32Array(xs), shape: [5] } });
    const s = (v: number[]) => ({ data: new Float32Array(v), shape: [5] });
    await m.backward({ y1: s([1, 1, 1, 1, 1]), y2: s([2, 2, 2, 2, 2]), y3: s([0, 1, 0, 1, 0]) });
    const want = xs.map((x, i) => (x > 0 ? 1 : 0) + (2 + (i % 2)) * (x > 0 ? 1 : 0.2));
    for (const [i, v] of Array.from(m.gradient('x').data).entries())
      expect(v).toBeCloseTo(want[i] as number, 6);
    m.dispose();
  });
});

describe('compile errors', () => {
  const x = { kind: 'input' as const, name: 'x', shape: [2] };
  const cases: {
    name: string;
    desc: GraphDesc;
    opts?: NativeCompileOptions;
    type: ErrorConstructor;
    message: RegExp;
  }[] = [
    {
      name: 'unknown op',
      desc: {
        items: [x, { kind: 'node', op: 'nope', name: 'n', attrs: {}, inputs: [0], outputs: [1] }],
        outputs: [],
      },
      type: TypeError,
      message: /node 'n': op: unknown op 'nope'/,
    },
    {
      name: 'input id out of range',
      desc: {
        items: [x, { kind: 'node', op: 'relu', name: 'n', attrs: {}, inputs: [7], outputs: [1] }],
        outputs: [],
      },
      type: RangeError,
      message: /node 'n' input 0 refers to value 7/,
    },
    {
      name: 'output ids that do not match',
      desc: {
        items: [x, { kind: 'node', op: 'relu', name: 'n', attrs: {}, inputs: [0], outputs: [5] }],
        outputs: [],
      },
      type: TypeError,
      message: /output value ids do not match/,
    },
    {
      name: 'duplicate leaf',
      desc: { items: [x, x], outputs: [] },
      type: TypeError,
      message: /input name 'x' is already used/,
    },
    {
      name: 'parameter without data',
      desc: { items: [{ kind: 'parameter', name: 'w', shape: [2] }], outputs: [] },
      type: TypeError,
      message: /parameter 'w' has no initial data/,
    },
    {
      name: 'parameter data of the wrong length',
      desc: { items: [{ kind: 'parameter', name: 'w', shape: [2], data: new Float32Array(3) }], outputs: [] },
      type: TypeError,
      message: /'w' has 3 values but shape \[2\] needs 2/,
    },
    {
      name: 'non-scalar loss',
      desc: { items: [x], outputs: [], loss: 0 },
      type: TypeError,
      message: /the loss must be a scalar/,
    },
    {
      name: 'unknown leaf kind',
      desc: { items: [{ ...x, kind: 'weird' as never }], outputs: [] },
      type: RangeError,
      message: /kind is 'weird'/,
    },
    {
      name: 'unknown seed output',
      desc: { items: [x], outputs: [] },
      opts: { mode: 'train', seedOutputs: ['q'] },
      type: TypeError,
      message: /'q' is not a declared output/,
    },
    {
      name: 'bad mode',
      desc: { items: [x], outputs: [] },
      opts: { mode: 'fast' as never },
      type: RangeError,
      message: /mode is 'fast'/,
    },
    {
      name: 'bad device',
      desc: { items: [x], outputs: [] },
      opts: { device: 'tpu' as never },
      type: RangeError,
      message: /device is 'tpu'/,
    },
  ];
  // device 'cuda' without a GPU, and on a GPU: graph_cuda.test.ts.
  it.each(cases)('rejects $name', ({ desc, opts, type, message }) => {
    let err: unknown;
    try {
      compile(desc, opts ?? {}).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});

/** The raw binding throws validation errors synchronously; this turns them into rejections. */
const call = async <T>(f: () => Promise<T>): Promise<T> => f();

describe('call order', () => {
  it('allows one backward per forward and no backward after a parameter write', async () => {
    const items: GraphDesc['items'] = [
      { kind: 'parameter', name: 'w', shape: [3], data: new Float32Array([1, 2, 3]) },
      { kind: 'node', op: 'relu', name: 'r', attrs: {}, inputs: [0], outputs: [1] },
    ];
    const m = compile({ items, outputs: [{ name: 'y', value: 1 }] }, { mode: 'train', seedOutputs: ['y'] });
    const seed = { y: { data: new Float32Array([1, 1, 1]), shape: [3] } };
    await expect(call(() => m.backward(seed))).rejects.toThrow(/needs a forward\(\) first/);
    await m.forward({});
    await expect(call(() => m.backward({}))).rejects.toThrow(/missing the seed gradient for 'y'/);
    await expect(call(() => m.backward({ y: { data: new Float32Array(2), shape: [2] } }))).rejects.toThrow(
      /seed 'y' must have shape \[3\]/,
    );
    await m.backward(seed);
    await expect(call(() => m.backward(seed))).rejects.toThrow(/needs a forward\(\) first/);
    expect(Array.from(m.gradient('w').data)).toEqual([1, 1, 1]);
    await m.forward({});
    expect(() => m.gradient('w')).toThrow(/no current gradients/); // the forward reused their memory
    m.write('w', { data: new Float32Array([4, 5, 6]), shape: [3] });
    await expect(call(() => m.backward(seed))).rejects.toThrow(/parameters changed since the last forward/);
    expect(() => m.write('w', { data: new Float32Array(2), shape: [2] })).toThrow(
      /'w' must have shape \[3\]/,
    );
    expect(() => m.read('nope')).toThrow(/'nope' is not a parameter/);
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(() => m.info()).toThrow(/disposed/);
  });
});
