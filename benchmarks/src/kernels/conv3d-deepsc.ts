/**
 * Times DeepSC's conv3d passes (forward, backward-data, backward-weight with the bias
 * gradient) on one layer through the eager op calls of `@deepsc/native`.
 * @module
 */
import { backward, type Conv3dAttrs, forward, type RawTensor } from '@deepsc/native';
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

/** Milliseconds of each timed run, per pass. */
export function timeDeepsc(
  l: ConvLayer,
  passes: readonly ConvPass[],
  r: Repeats,
): Record<ConvPass, number[]> {
  const x = randomTensor([l.N, l.C, ...l.in], 1);
  const w = randomTensor([l.K, l.C / l.groups, ...l.k], 2);
  const b = randomTensor([l.K], 3);
  const attrs = attrsOf(l);
  const y = forward('conv3d', attrs, [x, w, b]);
  const dy = randomTensor((y[0] as RawTensor).shape, 4);
  const run: Record<ConvPass, () => unknown> = {
    forward: () => forward('conv3d', attrs, [x, w, b]),
    backward_data: () => backward('conv3d', attrs, [x, w, b], y, [dy], [true, false, false]),
    backward_weight: () => backward('conv3d', attrs, [x, w, b], y, [dy], [false, true, true]),
  };
  const out = { forward: [], backward_data: [], backward_weight: [] } as Record<ConvPass, number[]>;
  for (const p of passes) out[p] = timeRuns(run[p], r);
  return out;
}
