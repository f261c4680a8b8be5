/**
 * The 3D lesion subnet: a U-Net with encoder widths `w1..w4` (paper 32-64-128-256), decoder
 * `w3, w2, w1` (128-64-32), transposed-convolution upsampling by the planned strides, and 1x1x1
 * two-class heads at four scales fused as `0.25 up(h4) + 0.25 up(h3) + 0.5 up(h2) + 1 h1`
 * (coarse to fine, trilinear upsampling). The same weights serve both streams (gap (a)).
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import { concat, conv3d, groupNorm, resizeTrilinear, upConv3d, weightedSum } from './layers.js';
import type { Size3, StridePlan } from './strides.js';

/** Two 3x3x3 conv + GroupNorm + ReLU layers (`<name>.conv1/norm1/conv2/norm2`), the first strided. */
export function convBlock(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  width: number,
  groups: number,
  stride: Size3 | number = 1,
): GraphValue {
  const s = g.scoped(name);
  const h = g.relu(groupNorm(s, 'norm1', conv3d(s, 'conv1', x, width, { stride }), groups));
  return g.relu(groupNorm(s, 'norm2', conv3d(s, 'conv2', h, width), groups));
}

/** Outputs of the lesion subnet on one stream. */
export interface LesionOutputs {
  /** Fused two-class logits at the stem's grid (level 0), `[N, 2, ...]`. */
  fused: GraphValue;
  /** Head logits at levels 1, 2, 3 (side outputs of the decoder at /2, /4 and the bottleneck at /8). */
  sides: [GraphValue, GraphValue, GraphValue];
}

/**
 * Adds the lesion U-Net under `lesion.` on features `f [N, C0, ...]`. A second call on the same
 * graph (the other stream) shares the first call's parameters by name.
 */
export function lesionSubnet(
  g: GraphBuilder,
  f: GraphValue,
  widths: readonly [number, number, number, number],
  groups: number,
  strides: StridePlan,
): LesionOutputs {
  const s = g.scoped('lesion');
  const [w1, w2, w3, w4] = widths;
  const e1 = convBlock(s, 'enc1', f, w1, groups);
  const e2 = convBlock(s, 'enc2', e1, w2, groups, strides[1]);
  const e3 = convBlock(s, 'enc3', e2, w3, groups, strides[2]);
  const e4 = convBlock(s, 'enc4', e3, w4, groups, strides[3]);
  const d3 = convBlock(s, 'dec3', concat(g, [upConv3d(s, 'up3', e4, w3, strides[3]), e3]), w3, groups);
  const d2 = convBlock(s, 'dec2', concat(g, [upConv3d(s, 'up2', d3, w2, strides[2]), e2]), w2, groups);
  const d1 = convBlock(s, 'dec1', concat(g, [upConv3d(s, 'up1', d2, w1, strides[1]), e1]), w1, groups);
  const h4 = conv3d(s, 'head4', e4, 2, { kernel: 1, bias: true });
  const h3 = conv3d(s, 'head3', d3, 2, { kernel: 1, bias: true });
  const h2 = conv3d(s, 'head2', d2, 2, { kernel: 1, bias: true });
  const h1 = conv3d(s, 'head1', d1, 2, { kernel: 1, bias: true });
  const size = h1.shape.slice(2) as unknown as Size3;
  const fused = weightedSum(g, [
    [h1, 1],
    [resizeTrilinear(g, h2, size), 0.5],
    [resizeTrilinear(g, h3, size), 0.25],
    [resizeTrilinear(g, h4, size), 0.25],
  ]);
  return { fused, sides: [h2, h3, h4] };
}
