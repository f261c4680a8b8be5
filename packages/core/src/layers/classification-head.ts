/**
 * The classification head: global average pooling followed by a linear layer, giving per-scan
 * class logits.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import { pytorchDefaultBias, pytorchDefaultWeight } from '../init.js';
import type { Shape2 } from '../tensor.js';

/**
 * `<name>`: per-scan logits `[N, classes]`: the mean of `x` `[N, C, ...]` over its spatial axes,
 * then a linear layer (`<name>.weight` `[classes, C]`, `<name>.bias`).
 * @throws TypeError for an input of rank < 3; RangeError for `classes` < 1.
 */
export function classificationHead(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  classes: number,
): GraphValue<Shape2> {
  const where = `classificationHead '${g.prefix}${name}'`;
  if (x.shape.length < 3)
    throw new TypeError(`${where}: input ${x.label} must be [N, C, ...spatial], got rank ${x.shape.length}`);
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`${where}: classes must be a positive integer, got ${classes}`);
  const s = g.scoped(name);
  const c = x.shape[1] as number;
  const pooled = s.globalAvgPool(x, 'pool');
  const w = s.parameter('weight', [classes, c], pytorchDefaultWeight());
  const b = s.parameter('bias', [classes], pytorchDefaultBias([classes, c]));
  return s.linear(pooled, w, b, 'fc');
}
