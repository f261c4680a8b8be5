/**
 * The segmentation head: a 1x1x1 convolution giving per-voxel class logits.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import { type Initializer, pytorchDefaultBias, pytorchDefaultWeight, zeros } from '../init.js';
import type { Shape5 } from '../tensor.js';
import { checkRank5 } from './conv-block.js';

/**
 * `<name>`: per-voxel logits `[N, classes, D, H, W]` of `x` `[N, C, D, H, W]` by a 1x1x1
 * convolution with bias (`<name>.weight` `[classes, C, 1, 1, 1]`, `<name>.bias`). With `init`
 * the weight starts from it and the bias at zero (nnU-Net's); without, PyTorch's defaults.
 * @throws TypeError for an input that is not 5D; RangeError for `classes` < 1.
 */
export function segmentationHead(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  classes: number,
  init?: Initializer,
): GraphValue<Shape5> {
  const where = `segmentationHead '${g.prefix}${name}'`;
  const xin = checkRank5(x, where);
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`${where}: classes must be a positive integer, got ${classes}`);
  const s = g.scoped(name);
  const wShape = [classes, xin.shape[1], 1, 1, 1] as const;
  const w = s.parameter('weight', wShape, init ?? pytorchDefaultWeight());
  const b = s.parameter('bias', [classes], init ? zeros() : pytorchDefaultBias(wShape));
  return g.conv3d(xin, w, b, {}, name);
}
