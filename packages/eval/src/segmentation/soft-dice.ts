/**
 * Soft Dice of a probability map against a binary truth: the paper reports it beside the hard
 * (thresholded) Dice.
 * @module
 */
import { checkSameGrid, type MaskLike } from './mask.js';

/**
 * Soft Dice 2 Σ p t / (Σ p + Σ t) (Milletari et al., V-Net, 3DV 2016, without squares), with p
 * the predicted lesion probability clamped to [0, 1] (NaN read as 0) and t = 1 where the truth
 * is > 0. Both sums 0 (no probability anywhere and no lesion): 1.
 * @param probabilities lesion probabilities on the truth's grid.
 * @throws RangeError when the grids differ.
 */
export function softDice(probabilities: MaskLike, truth: MaskLike): number {
  checkSameGrid(probabilities, truth, ['probabilities', 'truth']);
  const p = probabilities.data;
  const t = truth.data;
  let inter = 0;
  let sp = 0;
  let st = 0;
  for (let v = 0; v < p.length; v++) {
    const raw = p[v] as number;
    // biome-ignore lint/complexity/useMathMinMax: NaN must read as 0, which Math.max(NaN, 0) would not give
    const x = raw > 1 ? 1 : raw > 0 ? raw : 0;
    sp += x;
    if ((t[v] as number) > 0) {
      st++;
      inter += x;
    }
  }
  return sp + st === 0 ? 1 : (2 * inter) / (sp + st);
}
