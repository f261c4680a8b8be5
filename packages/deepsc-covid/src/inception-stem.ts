/**
 * The 3D inception stem of each stream: four parallel strided branches (1x1x1, and 3x3x3 at
 * dilations 1, 2 and 3, so receptive fields 1, 3, 5 and 7), each `width / 4` channels,
 * concatenated to `width`, GroupNorm, ReLU. The paper specifies four concatenated branches,
 * GroupNorm, ReLU and stride 2; the branch kernels are our choice (dilated 3x3x3 instead of
 * 5x5x5 and 7x7x7 kernels: the same reach at a fraction of the cost on a 1-channel input).
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import { concat, conv3d, groupNorm } from './layers.js';
import type { Size3 } from './strides.js';

/**
 * Adds a stem named `name` (`<name>.branch1`, `.branch3`, `.branch5`, `.branch7`, `.norm`).
 * @param x - `[N, 1, D, H, W]`.
 * @returns `[N, width, D / sD, H / sH, W / sW]`.
 */
export function inceptionStem(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  width: number,
  groups: number,
  stride: Size3,
): GraphValue {
  const s = g.scoped(name);
  const q = width / 4;
  const branches = [
    conv3d(s, 'branch1', x, q, { kernel: 1, stride }),
    conv3d(s, 'branch3', x, q, { stride }),
    conv3d(s, 'branch5', x, q, { stride, dilation: 2 }),
    conv3d(s, 'branch7', x, q, { stride, dilation: 3 }),
  ];
  return g.relu(groupNorm(s, 'norm', concat(g, branches), groups));
}
