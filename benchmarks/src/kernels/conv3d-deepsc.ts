/**
 * Times DeepSC's conv3d passes (forward, backward-data, backward-weight with the bias
 * gradient) on one layer, two ways: through the eager op calls of `@deepsc/native` (a prepared
 * call: the op bound to its attributes and shapes once, each call writing into caller-owned
 * arrays reused across calls) and engine-resident with `timeOp` (the kernel on buffers allocated once, as the graph
 * executor runs it in training).
 * @module
 */
import { type Conv3dAttrs, prepare, type RawTensor, timeOp } from '@deepsc/native';
import type { ConvLayer } from '../layers.js';
import { type Repeats, timeRuns } from '../stats.js';

/** The three passes every conv layer is timed on. */
export type ConvPass = 'forward' | 'backward_data' | 'backward_weight';
export const PASSES: readonly ConvPass[] = ['forward', 'backward_data', 'backward_weight'];

/** Uniform values in [-1, 1) from a fixed-seed generator (values do not change speed). */
export function randomTensor(shape: number[], seed: number): RawTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2147483648 - 1;
  }
  return { data, shape };
}

export const attrsOf = (l: ConvLayer): Conv3dAttrs => ({
  stride: l.s,
  padding: l.p,
  dilation: l.d,
  groups: l.groups,
});

/** The layer's seeded input, weight and bias, and its attributes (the same for both series). */
function layerTensors(l: ConvLayer) {
  return {
    x: randomTensor([l.N, l.C, ...l.in], 1),
    w: randomTensor([l.K, l.C / l.groups, ...l.k], 2),
    b: randomTensor([l.K], 3),
    attrs: attrsOf(l),
  };
}

/** The prepared eager call of each pass of a layer, on arrays it allocated once. */
export interface PreparedPasses {
  /** One eager call of the pass. */
  run: Record<ConvPass, () => unknown>;
  /** The layer's input, weight and bias (the same values `timeDeepscResident` times). */
  tensors: { x: RawTensor; w: RawTensor; b: RawTensor; attrs: Conv3dAttrs };
  dispose(): void;
}

/**
 * A prepared `conv3d` (`prepare`: op, attributes and shapes bound once) of layer `l` and one
 * call per pass on caller-owned arrays reused by every call, as a loop over batches would hold
 * them.
 */
export function preparedPasses(l: ConvLayer): PreparedPasses {
  const tensors = layerTensors(l);
  const { x, w, b, attrs } = tensors;
  const conv = prepare('conv3d', attrs, [x.shape, w.shape, b.shape]);
  const inputs = [x.data, w.data, b.data];
  const [outShape] = conv.outputShapes as [number[]];
  const y = new Float32Array(outShape.reduce((a, n) => a * n, 1));
  conv.forward(inputs, [y]);
  const outs = [y];
  const gouts = [randomTensor(outShape, 4).data];
  const dst = [new Float32Array(y.length)];
  const dx = new Float32Array(x.data.length);
  const dw = new Float32Array(w.data.length);
  const db = new Float32Array(b.data.length);
  return {
    run: {
      forward: () => conv.forward(inputs, dst),
      backward_data: () => conv.backward(inputs, outs, gouts, [dx, null, null]),
      backward_weight: () => conv.backward(inputs, outs, gouts, [null, dw, db]),
    },
    tensors,
    dispose: () => conv.dispose(),
  };
}

/** Milliseconds of each timed eager call (`preparedPasses`), per pass. */
export function timeDeepsc(
  l: ConvLayer,
  passes: readonly ConvPass[],
  r: Repeats,
): Record<ConvPass, number[]> {
  const p = preparedPasses(l);
  try {
    const out = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
    for (const pass of passes) out[pass] = timeRuns(p.run[pass], r);
    return out;
  } finally {
    p.dispose();
  }
}

/** `timeOp`'s `needGrad` of each pass: null (forward) or which of x, w, b get gradients. */
export const NEED_GRAD: Record<ConvPass, readonly boolean[] | null> = {
  forward: null,
  backward_data: [true, false, false],
  backward_weight: [false, true, true],
};

/**
 * Milliseconds of each timed engine-resident call (`timeOp`: the kernel alone on buffers
 * allocated once, what a training step pays per layer), per pass; same warm-up and repeats.
 */
export function timeDeepscResident(
  l: ConvLayer,
  passes: readonly ConvPass[],
  r: Repeats,
): Record<ConvPass, number[]> {
  const { x, w, b, attrs } = layerTensors(l);
  const out = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
  for (const p of passes) out[p] = timeOp('conv3d', attrs, [x, w, b], NEED_GRAD[p], r.warmup, r.repeats);
  return out;
}
