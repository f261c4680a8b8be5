/**
 * The classification subnet: the whole-scan lesion-probability channel through a 1x1x1 conv
 * (`classifier.lesion_conv`) scaled by a learnable factor (`classifier.lesion_scale`, init 1),
 * concatenated with the whole-scan features; three stride-2 residual blocks (paper 64, 128,
 * 256); global average pooling of all three levels (448 features); a linear layer
 * (`classifier.fc`) to the classes.
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import type { ResolvedConfig } from './config.js';
import { concat, conv3d, globalAvgPool, groupNorm, linear, scalar, weightedSum } from './layers.js';
import type { Size3 } from './strides.js';

/**
 * A residual block `<name>`: conv1 (strided) + norm1 + ReLU, conv2 + norm2, plus the shortcut
 * `down` (1x1x1, strided) + `down_norm`, then ReLU.
 */
export function residualBlock(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  width: number,
  groups: number,
  stride: Size3,
): GraphValue {
  const s = g.scoped(name);
  const h = g.relu(groupNorm(s, 'norm1', conv3d(s, 'conv1', x, width, { stride }), groups));
  const y = groupNorm(s, 'norm2', conv3d(s, 'conv2', h, width), groups);
  const short = groupNorm(s, 'down_norm', conv3d(s, 'down', x, width, { kernel: 1, stride }), groups);
  return g.relu(
    weightedSum(g, [
      [y, 1],
      [short, 1],
    ]),
  );
}

/** Outputs of the classification subnet. */
export interface ClassificationOutputs {
  /** Class logits `[N, numClasses]`. */
  logits: GraphValue;
  /** The three residual levels (`[N, clsWidths[k], ...wholeGrids[k + 1]]`), for the evidence maps. */
  levels: [GraphValue, GraphValue, GraphValue];
}

/**
 * Adds the subnet under `classifier.`.
 * @param features - whole-scan features `[N, stemWidth, ...wholeGrids[0]]`.
 * @param lesionProb - whole-scan lesion probability `[N, 1, ...wholeGrids[0]]`, or null
 *   (variant `classification-only`).
 */
export function classificationSubnet(
  g: GraphBuilder,
  c: ResolvedConfig,
  features: GraphValue,
  lesionProb: GraphValue | null,
): ClassificationOutputs {
  const s = g.scoped('classifier');
  let x = features;
  if (lesionProb) {
    const lesion = conv3d(s, 'lesion_conv', lesionProb, c.lesionWidth, { kernel: 1, bias: true });
    x = concat(g, [features, weightedSum(g, [[lesion, scalar(s, 'lesion_scale', 1)]])]);
  }
  const b1 = residualBlock(s, 'block1', x, c.clsWidths[0], c.groups, c.strides[1]);
  const b2 = residualBlock(s, 'block2', b1, c.clsWidths[1], c.groups, c.strides[2]);
  const b3 = residualBlock(s, 'block3', b2, c.clsWidths[2], c.groups, c.strides[3]);
  const pooled = concat(g, [globalAvgPool(g, b1), globalAvgPool(g, b2), globalAvgPool(g, b3)]);
  return { logits: linear(s, 'fc', pooled, c.numClasses), levels: [b1, b2, b3] };
}
