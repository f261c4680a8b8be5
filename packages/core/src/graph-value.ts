/**
 * Symbolic values of a graph under construction: what builder methods take and return. They
 * hold no data, only an id in their graph, a shape (known as soon as the value is declared)
 * and a name for messages.
 * @module
 */
import type { Shape } from './tensor.js';

/** Identity of the graph a value belongs to (values of two builders never mix). @internal */
export interface GraphIdentity {
  readonly id: number;
}

/** A value in a graph: a leaf (input, parameter, constant, state) or an op's output. */
export class GraphValue<S extends Shape = Shape> {
  /** @internal */
  readonly graph: GraphIdentity;
  /** The engine's value id. @internal */
  readonly id: number;
  /** Shape, inferred when the value was declared. */
  readonly shape: S;
  /** `input 'scan'`, `parameter 'stem.conv.weight'`, `output 0 of 'stem.conv' (conv3d)`. */
  readonly label: string;

  /** @internal */
  constructor(graph: GraphIdentity, id: number, shape: S, label: string) {
    this.graph = graph;
    this.id = id;
    this.shape = Object.freeze([...shape]) as unknown as S;
    this.label = label;
  }

  /** Number of dimensions. */
  get rank(): S['length'] {
    return this.shape.length;
  }

  /** Element count. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** `input 'scan' [1, 1, 48, 256, 256]`. */
  toString(): string {
    return `${this.label} [${this.shape.join(', ')}]`;
  }
}
