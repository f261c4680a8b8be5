/**
 * A U-Net encoder stage as nnU-Net's plain encoder builds one: `convs` conv blocks, the first
 * strided (downsampling by a strided convolution rather than pooling). Parameters
 * `<name>.conv1.*` .. `<name>.conv<convs>.*`.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import type { Shape5 } from '../tensor.js';
import { type ConvBlockOptions, convBlock } from './conv-block.js';
import type { Size3 } from './size3.js';

/** Options of {@link encoderStage}. */
export interface EncoderStageOptions extends Omit<ConvBlockOptions, 'stride'> {
  /** Stride of the first conv (1 for the first stage); default 2. */
  stride?: Size3;
  /** Conv blocks in the stage; default 2. */
  convs?: number;
}

/**
 * `<name>`: the stage on `x`.
 * @returns `[N, out, ceil(D / sD), ceil(H / sH), ceil(W / sW)]`.
 * @throws RangeError for `convs` < 1; as {@link convBlock}.
 */
export function encoderStage(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  out: number,
  options: EncoderStageOptions = {},
): GraphValue<Shape5> {
  const convs = options.convs ?? 2;
  if (!Number.isInteger(convs) || convs < 1)
    throw new RangeError(`encoderStage '${g.prefix}${name}': convs must be a positive integer, got ${convs}`);
  const { convs: _c, stride, ...block } = options;
  const s = g.scoped(name);
  let y = convBlock(s, 'conv1', x, out, { ...block, stride: stride ?? 2 });
  for (let i = 2; i <= convs; i++) y = convBlock(s, `conv${i}`, y, out, block);
  return y;
}
