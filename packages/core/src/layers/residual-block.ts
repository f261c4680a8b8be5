/**
 * The residual block (He et al., 2016, in 3D; nnU-Net's `BasicBlockD` without its pooling
 * shortcut): two conv blocks, the second without its activation, added to a shortcut, then the
 * activation. The shortcut is the input itself when the shapes match, else a 1x1x1 convolution
 * (strided as the first conv) and the norm. Parameters: `<name>.conv1.*`, `<name>.conv2.*` (as
 * {@link convBlock}) and `<name>.shortcut.conv.weight`, `<name>.shortcut.norm.*`.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import type { Shape5 } from '../tensor.js';
import { type ConvBlockOptions, checkRank5, convBlock, normAndActivate } from './conv-block.js';
import { size3 } from './size3.js';

/**
 * `<name>`: `act(norm(conv2(conv1(x))) + shortcut(x))`; `options.stride` strides conv1 and the
 * shortcut.
 * @returns `[N, out, ceil(D / sD), ceil(H / sH), ceil(W / sW)]`.
 * @throws as {@link convBlock}.
 */
export function residualBlock(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  out: number,
  options: ConvBlockOptions = {},
): GraphValue<Shape5> {
  const where = `residualBlock '${g.prefix}${name}'`;
  const xin = checkRank5(x, where);
  const s = g.scoped(name);
  const stride = size3(options.stride ?? 1);
  const y1 = convBlock(s, 'conv1', xin, out, options);
  const y2 = convBlock(s, 'conv2', y1, out, { ...options, stride: 1, activation: 'none' });
  const identity = xin.shape[1] === out && stride.every((v) => v === 1);
  const shortcut = identity
    ? xin
    : convBlock(s, 'shortcut', xin, out, { ...options, kernel: 1, activation: 'none' });
  const sum = s.add(y2, shortcut, 'add') as GraphValue<Shape5>;
  return normAndActivate(s, sum, { ...options, norm: 'none' }, where);
}
