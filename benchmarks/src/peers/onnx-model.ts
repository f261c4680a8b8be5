/**
 * Builds the bytes of a one-node ONNX model (a Conv with constant weight and bias) by encoding
 * the protobuf by hand: the handful of ModelProto fields a Conv needs, from onnx.proto3
 * (ir_version 8, opset 13). Avoids a protobuf dependency for the onnxruntime peer.
 * @module
 */
import type { ConvLayer } from '../layers.js';

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // two's complement, as protobuf encodes negative int64
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number): number[] => [...key(field, WIRE_VARINT), ...varint(n)];
const bytes = (field: number, b: ArrayLike<number>): number[] => [
  ...key(field, WIRE_BYTES),
  ...varint(b.length),
  ...Array.from(b),
];
const str = (field: number, s: string) => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, m: number[]) => bytes(field, m);

// Field numbers of onnx.proto.
const ONNX_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function attrInts(name: string, values: number[]): number[] {
  return [...str(1, name), ...int(20, ATTR_INTS), ...values.flatMap((v) => int(8, v))];
}
function attrInt(name: string, value: number): number[] {
  return [...str(1, name), ...int(20, ATTR_INT), ...int(3, value)];
}
function tensor(name: string, dims: number[], data: Float32Array): number[] {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return [...dims.flatMap((d) => int(1, d)), ...int(2, ONNX_FLOAT), ...str(8, name), ...bytes(9, raw)];
}
function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => msg(1, int(1, d)));
  const tensorType = [...int(1, ONNX_FLOAT), ...msg(2, shape)];
  return [...str(1, name), ...msg(2, msg(1, tensorType))];
}

/** The model `y = Conv(x, w, b)` for this layer with the given weights. */
export function convModel(l: ConvLayer, w: Float32Array, b: Float32Array, outShape: number[]): Uint8Array {
  const node = [
    ...str(1, 'x'),
    ...str(1, 'w'),
    ...str(1, 'b'),
    ...str(2, 'y'),
    ...str(3, 'conv'),
    ...str(4, 'Conv'),
    ...msg(5, attrInts('kernel_shape', [...l.k])),
    ...msg(5, attrInts('strides', [...l.s])),
    ...msg(5, attrInts('pads', [...l.p, ...l.p])),
    ...msg(5, attrInts('dilations', [...l.d])),
    ...msg(5, attrInt('group', l.groups)),
  ];
  const graph = [
    ...msg(1, node),
    ...str(2, 'conv3d'),
    ...msg(5, tensor('w', [l.K, l.C / l.groups, ...l.k], w)),
    ...msg(5, tensor('b', [l.K], b)),
    ...msg(11, valueInfo('x', [l.N, l.C, ...l.in])),
    ...msg(12, valueInfo('y', outShape)),
  ];
  const opset = [...str(1, ''), ...int(2, 13)];
  return Uint8Array.from([...int(1, 8), ...str(2, 'deepsc-benchmarks'), ...msg(8, opset), ...msg(7, graph)]);
}
