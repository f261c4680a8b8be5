/**
 * Forward FLOPs from the graph: a hand count on a tiny graph, PyTorch's conv3d / conv_transpose3d
 * formulas over a table of shapes and attributes, pruning to the named outputs. Per scan as
 * DeepSC-COVID's `predict` runs it: packages/deepsc-covid/test/forward-flops.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type GraphValue, graphFlops, nodeFlops, zeros } from '../src/index.js';

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

describe('graphFlops', () => {
  it('counts a tiny graph as by hand', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 4, 4, 4]);
    const w = g.parameter('conv.weight', [3, 2, 3, 3, 3], zeros());
    const b = g.parameter('conv.bias', [3], zeros());
    const y = g.relu(g.op('conv3d', { padding: [1, 1, 1] }, [x, w, b])[0] as never);
    const flat = g.reshape(y, [1, 192]);
    const fw = g.parameter('fc.weight', [5, 192], zeros());
    const fb = g.parameter('fc.bias', [5], zeros());
    g.output('z', g.linear(flat, fw, fb));
    // conv: 192 outputs x (2 x 27 taps) MACs x 2 + 192 bias adds; relu 192; reshape 0; linear 2 x 5 x 192 + 5
    const conv = 2 * 192 * 2 * 27 + 192;
    expect(conv).toBe(20_928);
    const f = graphFlops(g);
    expect(f.byOp).toEqual({ conv3d: 20_928, relu: 192, reshape: 0, linear: 1925 });
    expect(f.total).toBe(20_928 + 192 + 1925);
    expect(f.nodes).toBe(4);
  });

  it.each([
    [
      'avg_pool3d: the kernel volume per output',
      (g: GraphBuilder, x: GraphValue) => g.op('avg_pool3d', { kernel: [2, 2, 2] }, [x]),
      16 * 8,
    ],
    [
      'max_pool3d, kernel 1x2x2',
      (g: GraphBuilder, x: GraphValue) => g.op('max_pool3d', { kernel: [1, 2, 2] }, [x]),
      2 * 4 * 2 * 2 * 4,
    ],
    [
      'global_avg_pool: one add per input element',
      (g: GraphBuilder, x: GraphValue) => [g.globalAvgPool(x)],
      128,
    ],
    ['concat: data movement', (g: GraphBuilder, x: GraphValue) => [g.concat([x, x], { axis: 1 })], 0],
    [
      'slice: data movement',
      (g: GraphBuilder, x: GraphValue) => [g.slice(x, { axis: 1, start: 0, length: 1 })],
      0,
    ],
    ['sigmoid: one per output element', (g: GraphBuilder, x: GraphValue) => [g.sigmoid(x)], 128],
    ['mse: one per input element', (g: GraphBuilder, x: GraphValue) => g.op('mse', {}, [x, x, null]), 128],
  ])('%s', (_, add, flops) => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 4, 4, 4]);
    g.output('y', add(g, x)[0] as GraphValue);
    expect(graphFlops(g).total).toBe(flops);
  });

  it('counts only what the named outputs depend on', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4]);
    const a = g.relu(x);
    const b = g.sigmoid(g.add(x, x));
    g.output('a', a);
    g.output('b', b);
    expect(graphFlops(g, ['a'])).toEqual({ total: 4, byOp: { relu: 4 }, nodes: 1 });
    expect(graphFlops(g, ['b']).byOp).toEqual({ add: 4, sigmoid: 4 });
    expect(graphFlops(g).total).toBe(12);
  });

  it.each([
    ['an output the graph lacks', ['nope'], /graphFlops: the graph has no output 'nope' \(it has 'a'\)/],
  ])('refuses %s', (_, outputs, message) => {
    const g = new GraphBuilder();
    g.output('a', g.relu(g.input('x', [2])));
    expect(() => graphFlops(g, outputs)).toThrow(message);
  });
});

/** PyTorch's output size of Conv3d along one axis. */
const convOut = (n: number, k: number, s: number, p: number, d: number) =>
  Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
/** PyTorch's output size of ConvTranspose3d along one axis. */
const convTOut = (n: number, k: number, s: number, p: number, d: number, op: number) =>
  (n - 1) * s - 2 * p + d * (k - 1) + op + 1;

interface ConvCase {
  what: string;
  n: number;
  cin: number;
  cout: number;
  size: [number, number, number];
  k: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  dilation: [number, number, number];
  groups: number;
  bias: boolean;
}
const CONVS: ConvCase[] = [
  {
    what: '3x3x3, pad 1',
    n: 1,
    cin: 4,
    cout: 8,
    size: [6, 8, 8],
    k: [3, 3, 3],
    stride: [1, 1, 1],
    padding: [1, 1, 1],
    dilation: [1, 1, 1],
    groups: 1,
    bias: true,
  },
  {
    what: 'stride 2, no bias, batch 2',
    n: 2,
    cin: 3,
    cout: 5,
    size: [7, 9, 10],
    k: [3, 3, 3],
    stride: [2, 2, 2],
    padding: [1, 1, 1],
    dilation: [1, 1, 1],
    groups: 1,
    bias: false,
  },
  {
    what: 'anisotropic kernel and stride',
    n: 1,
    cin: 2,
    cout: 6,
    size: [5, 12, 12],
    k: [1, 3, 3],
    stride: [1, 2, 2],
    padding: [0, 1, 1],
    dilation: [1, 1, 1],
    groups: 1,
    bias: true,
  },
  {
    what: 'groups 2, dilation 2',
    n: 1,
    cin: 4,
    cout: 6,
    size: [8, 8, 8],
    k: [3, 3, 3],
    stride: [1, 1, 1],
    padding: [2, 2, 2],
    dilation: [2, 2, 2],
    groups: 2,
    bias: true,
  },
  {
    what: '1x1x1',
    n: 1,
    cin: 16,
    cout: 1,
    size: [4, 4, 4],
    k: [1, 1, 1],
    stride: [1, 1, 1],
    padding: [0, 0, 0],
    dilation: [1, 1, 1],
    groups: 1,
    bias: true,
  },
];

describe('nodeFlops against PyTorch-style formulas', () => {
  it.each(CONVS)('conv3d: $what', (c) => {
    const g = new GraphBuilder();
    const x = g.input('x', [c.n, c.cin, ...c.size]);
    const w = g.parameter('w', [c.cout, c.cin / c.groups, ...c.k], zeros());
    const b = c.bias ? g.parameter('b', [c.cout], zeros()) : null;
    g.op('conv3d', { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }, [
      x,
      w,
      b,
    ]);
    const node = g.nodes[0] as (typeof g.nodes)[number];
    const out = [0, 1, 2].map((a) =>
      convOut(
        c.size[a] as number,
        c.k[a] as number,
        c.stride[a] as number,
        c.padding[a] as number,
        c.dilation[a] as number,
      ),
    );
    expect(node.outputs[0]?.shape).toEqual([c.n, c.cout, ...out]);
    // fvcore / thop: MACs = N Cout prod(out) (Cin / groups) prod(k); FLOPs = 2 MACs (+ one add per output for a bias)
    const macs = c.n * c.cout * prod(out) * (c.cin / c.groups) * prod(c.k);
    expect(nodeFlops(node)).toBe(2 * macs + (c.bias ? c.n * c.cout * prod(out) : 0));
  });

  it.each(CONVS.filter((c) => c.stride.some((s) => s > 1) || c.k.every((k) => k === 1)))(
    'conv_transpose3d: $what',
    (c) => {
      const g = new GraphBuilder();
      const x = g.input('x', [c.n, c.cin, ...c.size]);
      const w = g.parameter('w', [c.cin, c.cout / c.groups, ...c.k], zeros());
      const b = c.bias ? g.parameter('b', [c.cout], zeros()) : null;
      g.op('conv_transpose3d', { stride: c.stride, padding: c.padding, groups: c.groups }, [x, w, b]);
      const node = g.nodes[0] as (typeof g.nodes)[number];
      const out = [0, 1, 2].map((a) =>
        convTOut(c.size[a] as number, c.k[a] as number, c.stride[a] as number, c.padding[a] as number, 1, 0),
      );
      expect(node.outputs[0]?.shape).toEqual([c.n, c.cout, ...out]);
      // every input voxel times every tap of its group: N Cin prod(in) (Cout / groups) prod(k)
      const macs = c.n * c.cin * prod(c.size) * (c.cout / c.groups) * prod(c.k);
      expect(nodeFlops(node)).toBe(2 * macs + (c.bias ? c.n * c.cout * prod(out) : 0));
    },
  );
});
