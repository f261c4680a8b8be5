/**
 * Deep supervision as nnU-Net trains it: a loss on the output of every decoder resolution,
 * the target downsampled to each by nearest neighbour, weighted 1 / 2^i (i = 0 at full
 * resolution), the lowest resolutions dropped (weight 0), the weights normalised to sum 1.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import {
  type DiceCrossEntropyOptions,
  type DiceCrossEntropyTerms,
  diceCrossEntropy,
} from './dice-cross-entropy.js';

/**
 * nnU-Net's deep-supervision weights for `levels` outputs (full resolution first): 1 / 2^i,
 * the last `dropLowest` (default 1, nnU-Net v2's) set to 0, normalised to sum 1.
 * @throws RangeError unless 1 <= levels and 0 <= dropLowest < levels.
 */
export function deepSupervisionWeights(levels: number, dropLowest = 1): number[] {
  if (!Number.isInteger(levels) || levels < 1)
    throw new RangeError(`deepSupervisionWeights: levels must be a positive integer, got ${levels}`);
  if (!Number.isInteger(dropLowest) || dropLowest < 0 || dropLowest >= levels)
    throw new RangeError(
      `deepSupervisionWeights: dropLowest must be an integer in [0, ${levels - 1}] for ${levels} levels, got ${dropLowest}`,
    );
  const w = Array.from({ length: levels }, (_, i) => (i < levels - dropLowest ? 1 / 2 ** i : 0));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/** Options of {@link deepSupervisedDiceCrossEntropy}. */
export interface DeepSupervisionOptions extends DiceCrossEntropyOptions {
  /** Weight per output (full resolution first); default {@link deepSupervisionWeights}(outputs). */
  weights?: readonly number[];
  /** One-hot foreground `[N, K - 1, D, H, W]` at full resolution (K > 2 only). */
  foreground?: GraphValue;
}

/** What {@link deepSupervisedDiceCrossEntropy} adds: the total `[1]` and each weighted level's terms. */
export interface DeepSupervisedLoss {
  loss: GraphValue;
  /** Per output, its terms; null for a level of weight 0 (not computed). */
  levels: (DiceCrossEntropyTerms | null)[];
  /** The weights used. */
  weights: readonly number[];
}

/**
 * The weighted sum of {@link diceCrossEntropy} over `logits` (full resolution first, each
 * `[N, K, ...]`, smaller or equal per axis), against `target` `[N, 1, ...full]` resized to each
 * by nearest neighbour (`resize` `nearest`; no node at full size). Levels of weight 0 add no node.
 * Node names: `loss.level<i>.*`.
 * @throws TypeError for a number of weights other than of outputs, or shapes that do not
 *   match; RangeError for a negative or non-finite weight or weights summing to 0.
 */
export function deepSupervisedDiceCrossEntropy(
  g: GraphBuilder,
  logits: readonly GraphValue[],
  target: GraphValue,
  options: DeepSupervisionOptions = {},
): DeepSupervisedLoss {
  if (logits.length === 0) throw new TypeError('deepSupervisedDiceCrossEntropy: no outputs');
  const weights = options.weights ?? deepSupervisionWeights(logits.length, logits.length > 1 ? 1 : 0);
  if (weights.length !== logits.length)
    throw new TypeError(
      `deepSupervisedDiceCrossEntropy: ${weights.length} weights for ${logits.length} outputs`,
    );
  if (weights.some((w) => !(w >= 0 && Number.isFinite(w))) || !(weights.reduce((a, b) => a + b, 0) > 0))
    throw new RangeError(
      `deepSupervisedDiceCrossEntropy: weights [${weights.join(', ')}] must be finite, >= 0 and not all 0`,
    );
  const { weights: _w, foreground, ...loss } = options;
  const s = g.scoped('loss');
  const levels: (DiceCrossEntropyTerms | null)[] = [];
  let total: GraphValue | null = null;
  for (const [i, z] of logits.entries()) {
    const w = weights[i] as number;
    if (w === 0) {
      levels.push(null);
      continue;
    }
    const size = z.shape.slice(2) as [number, number, number];
    const full = target.shape.slice(2);
    const down = (v: GraphValue, what: string) =>
      size.every((d, a) => d === full[a])
        ? v
        : s.resize(v, { mode: 'nearest', size }, `level${i}.${what}_down`);
    const terms = diceCrossEntropy(g, z, down(target, 'target'), {
      ...loss,
      ...(foreground ? { foreground: down(foreground, 'foreground') } : {}),
      name: `loss.level${i}`,
    });
    levels.push(terms);
    const weighted = w === 1 ? terms.loss : s.mulScalar(terms.loss, w, `level${i}.weighted`);
    total = total ? s.add(total, weighted, `sum${i}`) : weighted;
  }
  return { loss: total as GraphValue, levels, weights };
}
