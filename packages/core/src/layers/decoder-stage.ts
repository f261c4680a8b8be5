/**
 * A U-Net decoder stage: upsample to the skip connection's size, concatenate the skip, then
 * `convs` conv blocks. Upsampling is a transposed convolution with kernel = stride (nnU-Net's;
 * parameters `<name>.up.weight` `[C, out, sD, sH, sW]` and `.bias`) or a trilinear `resize`
 * followed by a 1x1x1 convolution to `out` channels (`<name>.up.weight` `[out, C, 1, 1, 1]`,
 * `.bias`), which avoids the checkerboard artefacts transposed convolutions can leave. The conv
 * blocks are `<name>.conv1.*` .. `<name>.conv<convs>.*`.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import { type Initializer, pytorchDefaultBias, pytorchDefaultWeight, zeros } from '../init.js';
import type { Shape5 } from '../tensor.js';
import { type ConvBlockOptions, checkRank5, convBlock } from './conv-block.js';

/** How a decoder stage upsamples: `transposed` convolution or `resize` (trilinear) + 1x1x1 conv. */
export type UpsampleKind = 'transposed' | 'resize';

/** Options of {@link decoderStage}. */
export interface DecoderStageOptions extends Omit<ConvBlockOptions, 'stride'> {
  /** Default `transposed`. */
  upsample?: UpsampleKind;
  /** Conv blocks after the concatenation; default 2. */
  convs?: number;
  /** Initialiser of the upsampling weight; default `init`, then PyTorch's. */
  upInit?: Initializer;
}

/**
 * `<name>`: upsamples `x` `[N, C, d, h, w]` to `skip`'s spatial size, concatenates `skip`
 * (`[up, skip]` along channels) and applies the conv blocks.
 * @returns `[N, out, ...skip's D, H, W]`.
 * @throws TypeError when `skip` is not a whole multiple of `x` per axis with `transposed`
 *   upsampling, or not at least as large with `resize`, naming both shapes; as {@link convBlock}.
 */
export function decoderStage(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  skip: GraphValue,
  out: number,
  options: DecoderStageOptions = {},
): GraphValue<Shape5> {
  const where = `decoderStage '${g.prefix}${name}'`;
  const xin = checkRank5(x, where);
  const sk = checkRank5(skip, where);
  const convs = options.convs ?? 2;
  if (!Number.isInteger(convs) || convs < 1)
    throw new RangeError(`${where}: convs must be a positive integer, got ${convs}`);
  if (!Number.isInteger(out) || out < 1)
    throw new RangeError(`${where}: output channels must be a positive integer, got ${out}`);
  const { convs: _c, upsample: kind = 'transposed', upInit, ...block } = options;
  const s = g.scoped(name);
  const up = s.scoped('up');
  const cin = xin.shape[1];
  const [, , ...small] = xin.shape;
  const [, , ...big] = sk.shape;
  const mismatch = () =>
    new TypeError(
      `${where}: cannot upsample [${xin.shape.join(', ')}] to the skip [${sk.shape.join(', ')}] by ${kind === 'transposed' ? 'a whole stride per axis' : 'resize'}`,
    );
  const weightInit = upInit ?? block.init ?? pytorchDefaultWeight();
  let u: GraphValue<Shape5>;
  if (kind === 'transposed') {
    if (small.some((v, a) => (big[a] as number) % v !== 0)) throw mismatch();
    const stride = small.map((v, a) => (big[a] as number) / v) as [number, number, number];
    const wShape = [cin, out, ...stride] as const;
    const w = up.parameter('weight', wShape, weightInit);
    const b = up.parameter('bias', [out], block.init ? zeros() : pytorchDefaultBias(wShape));
    u = s.convTranspose3d(xin, w, b, { stride }, 'up');
  } else if (kind === 'resize') {
    if (small.some((v, a) => (big[a] as number) < v)) throw mismatch();
    const size = big as unknown as [number, number, number];
    const r = s.resize(xin, { mode: 'trilinear', size }, 'resize');
    const wShape = [out, cin, 1, 1, 1] as const;
    const w = up.parameter('weight', wShape, weightInit);
    const b = up.parameter('bias', [out], block.init ? zeros() : pytorchDefaultBias(wShape));
    u = s.conv3d(r, w, b, {}, 'up');
  } else throw new TypeError(`${where}: upsample '${String(kind)}' must be transposed or resize`);
  let y = s.concat([u, sk], { axis: 1 }, 'concat') as GraphValue<Shape5>;
  for (let i = 1; i <= convs; i++) y = convBlock(s, `conv${i}`, y, out, block);
  return y;
}
