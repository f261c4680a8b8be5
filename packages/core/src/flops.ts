/**
 * Forward floating-point operations of a graph, counted from its nodes' ops, attributes and
 * shapes (before compiling: the builder knows them all).
 *
 * The convention (the common one of papers and of fvcore / thop-style counters, which count
 * multiply-accumulates, times 2):
 * - `conv3d`: 2 x MACs = 2 N K Do Ho Wo (C / groups) kD kH kW, plus N K Do Ho Wo for a bias;
 * - `conv_transpose3d`: 2 x MACs = 2 N C D H W (K / groups) kD kH kW (every input voxel times
 *   every tap), plus N K Do Ho Wo for a bias;
 * - `linear`: 2 N O F, plus N O for a bias;
 * - pure data movement (`reshape`, `concat`, `slice`, `crop`, `paste`): 0;
 * - `global_avg_pool`: 1 per input element (one add each); `avg_pool3d` / `max_pool3d`: the
 *   kernel's volume per output element;
 * - every other op (normalisations, activations, softmax, resize, add, mul, scale, the losses):
 *   1 per output element, or 1 per input element for the losses (scalar outputs), cheap next to
 *   the convolutions and counted only so that nothing is silently left out.
 * @module
 */
import type { GraphBuilder, GraphNode } from './builder.js';
import type { GraphValue } from './graph-value.js';

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);
const three = (v: number | readonly number[] | undefined, d: number): [number, number, number] =>
  v === undefined ? [d, d, d] : typeof v === 'number' ? [v, v, v] : [v[0] ?? d, v[1] ?? d, v[2] ?? d];

const MOVES = new Set(['reshape', 'concat', 'slice', 'crop', 'paste']);
const LOSSES = new Set(['cross_entropy', 'focal', 'soft_dice', 'mse']);

/** FLOPs of one node (see the module's convention). */
export function nodeFlops(node: Pick<GraphNode, 'op' | 'attrs' | 'inputs' | 'outputs'>): number {
  const x = node.inputs[0]?.shape ?? [];
  const w = node.inputs[1]?.shape ?? [];
  const hasBias = node.inputs[2] !== null && node.inputs[2] !== undefined;
  const y = node.outputs[0]?.shape ?? [];
  switch (node.op) {
    // groups enter through the weight's shape (C / groups, K / groups)
    case 'conv3d': {
      // w [K, C/groups, kD, kH, kW]; y [N, K, Do, Ho, Wo]
      const macs = prod(y) * prod(w.slice(1));
      return 2 * macs + (hasBias ? prod(y) : 0);
    }
    case 'conv_transpose3d': {
      // w [C, K/groups, kD, kH, kW]; x [N, C, D, H, W]
      const macs = prod(x) * prod(w.slice(1));
      return 2 * macs + (hasBias ? prod(y) : 0);
    }
    case 'linear': {
      // x [N, F], w [O, F]
      const macs = prod(y) * (w[1] ?? 0);
      return 2 * macs + (hasBias ? prod(y) : 0);
    }
    case 'global_avg_pool':
      return prod(x);
    case 'avg_pool3d':
    case 'max_pool3d':
      return prod(y) * prod(three((node.attrs as { kernel?: number[] }).kernel, 1));
    default:
      if (MOVES.has(node.op)) return 0;
      if (LOSSES.has(node.op)) return prod(x);
      return node.outputs.reduce((s, v) => s + prod(v.shape), 0);
  }
}

/** A graph's forward FLOPs: in all and per op. */
export interface GraphFlops {
  total: number;
  byOp: Record<string, number>;
  /** Nodes counted. */
  nodes: number;
}

/**
 * Forward FLOPs of the nodes of `g` that the named outputs depend on (all outputs when
 * `outputs` is absent), by the module's convention.
 * @throws RangeError naming an output the graph does not declare.
 */
export function graphFlops(g: GraphBuilder, outputs?: readonly string[]): GraphFlops {
  const declared = g.outputs;
  const wanted: GraphValue[] = (outputs ?? declared.map((o) => o.name)).map((name) => {
    const o = declared.find((d) => d.name === name);
    if (!o)
      throw new RangeError(
        `graphFlops: the graph has no output '${name}' (it has ${declared.map((d) => `'${d.name}'`).join(', ') || 'none'})`,
      );
    return o.value;
  });
  const nodes = g.nodes;
  const producer = new Map<number, GraphNode>();
  for (const n of nodes) for (const v of n.outputs) producer.set(v.id, n);
  const needed = new Set<GraphNode>();
  const stack = wanted.map((v) => v.id);
  const seen = new Set<number>();
  while (stack.length) {
    const id = stack.pop() as number;
    if (seen.has(id)) continue;
    seen.add(id);
    const n = producer.get(id);
    if (!n || needed.has(n)) continue;
    needed.add(n);
    for (const v of n.inputs) if (v) stack.push(v.id);
  }
  const byOp: Record<string, number> = {};
  let total = 0;
  for (const n of nodes) {
    if (!needed.has(n)) continue;
    const f = nodeFlops(n);
    byOp[n.op] = (byOp[n.op] ?? 0) + f;
    total += f;
  }
  return { total, byOp, nodes: needed.size };
}
