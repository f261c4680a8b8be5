/**
 * nnU-Net's segmentation loss as a graph building block: soft Dice over the foreground classes
 * plus voxelwise cross-entropy (Isensee et al., Nature Methods 18:203-211, 2021;
 * `DC_and_CE_loss` with `MemoryEfficientSoftDiceLoss(do_bg=False, smooth=1e-5)` and
 * `RobustCrossEntropyLoss`, both weighted 1).
 *
 * For logits `z` `[N, K, ...]` and p = softmax(z):
 * - `ce` = mean over voxels of -log p[target] (the engine's `cross_entropy`).
 * - `dice` = mean over the foreground classes c = 1..K-1 of 1 - (2 sum p_c t_c + smooth) /
 *   (sum p_c + sum t_c + smooth), the sums over the whole batch (`batchDice`, nnU-Net's 3D
 *   default) or per sample and then averaged. nnU-Net's loss term is -Dice; ours is 1 - Dice,
 *   the same gradient, and a term that reads as a loss in [0, 1].
 * - `loss` = ceWeight ce + diceWeight dice.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';

/** Options of {@link diceCrossEntropy}. */
export interface DiceCrossEntropyOptions {
  /** Added to the numerator and denominator of each Dice; default 1e-5 (nnU-Net's), > 0. */
  smooth?: number;
  /** Default 1. */
  diceWeight?: number;
  /** Default 1. */
  ceWeight?: number;
  /** Dice over the whole batch's voxels (true, default) or per sample, then averaged. */
  batchDice?: boolean;
}

/** The loss's graph values, each `[1]`. */
export interface DiceCrossEntropyTerms {
  loss: GraphValue;
  dice: GraphValue;
  ce: GraphValue;
}

/** {@link DiceCrossEntropyOptions} with every default filled in, checked. */
export function resolveDiceCrossEntropyOptions(
  o: DiceCrossEntropyOptions = {},
): Required<DiceCrossEntropyOptions> {
  const r = {
    smooth: o.smooth ?? 1e-5,
    diceWeight: o.diceWeight ?? 1,
    ceWeight: o.ceWeight ?? 1,
    batchDice: o.batchDice ?? true,
  };
  if (!(r.smooth > 0 && Number.isFinite(r.smooth)))
    throw new RangeError(`diceCrossEntropy: smooth must be a finite number > 0, got ${r.smooth}`);
  for (const k of ['diceWeight', 'ceWeight'] as const)
    if (!(r[k] >= 0 && Number.isFinite(r[k])))
      throw new RangeError(`diceCrossEntropy: ${k} must be a finite number >= 0, got ${r[k]}`);
  return r;
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Adds the Dice + cross-entropy loss of `logits` `[N, K, D, H, W]` (K >= 2) against `target`
 * `[N, 1, D, H, W]` (class indices as floats) to `g`. For K > 2 the Dice needs the target's
 * one-hot foreground `foreground` `[N, K - 1, D, H, W]` (with K = 2 it is the target itself).
 * Nothing is declared as an output or the loss: the caller does (or sums several, as
 * {@link deepSupervisedDiceCrossEntropy} does).
 * @param name - a node-name prefix (`loss`), so two uses in one graph do not collide.
 * @throws TypeError for shapes that do not match, naming them; RangeError for a bad option.
 */
export function diceCrossEntropy(
  g: GraphBuilder,
  logits: GraphValue,
  target: GraphValue,
  options: DiceCrossEntropyOptions & { foreground?: GraphValue; name?: string } = {},
): DiceCrossEntropyTerms {
  const o = resolveDiceCrossEntropyOptions(options);
  const s = g.scoped(options.name ?? 'loss');
  const where = `diceCrossEntropy '${s.prefix.slice(0, -1)}'`;
  const [n, k, ...spatial] = logits.shape as number[];
  if (logits.shape.length !== 5 || (k as number) < 2)
    throw new TypeError(`${where}: logits ${logits} must be [N, K >= 2, D, H, W]`);
  if (!same(target.shape, [n as number, 1, ...spatial]))
    throw new TypeError(
      `${where}: target ${target} must be [${[n, 1, ...spatial].join(', ')}] (logits ${logits})`,
    );
  const fg = options.foreground ?? (k === 2 ? target : undefined);
  if (!fg)
    throw new TypeError(
      `${where}: ${k} classes need the one-hot foreground [N, ${(k as number) - 1}, D, H, W]`,
    );
  if (!same(fg.shape, [n as number, (k as number) - 1, ...spatial]))
    throw new TypeError(
      `${where}: foreground ${fg} must be [${[n, (k as number) - 1, ...spatial].join(', ')}]`,
    );
  const ce = s.crossEntropy(logits, s.reshape(target, [n as number, ...spatial], 'target'), null, {}, 'ce');
  const p = s.softmax(logits, 'softmax');
  const flat = (v: GraphValue, c: number, what: string) => {
    const one = s.slice(v, { axis: 1, start: c, length: 1 }, `${what}${c}`);
    return o.batchDice && n !== 1 ? s.reshape(one, [1, 1, -1], `${what}${c}_batch`) : one;
  };
  let dice: GraphValue | null = null;
  for (let c = 1; c < (k as number); c++) {
    const d = s.softDice(flat(p, c, 'p'), flat(fg, c - 1, 't'), null, { smooth: o.smooth }, `dice${c}`);
    dice = dice ? s.add(dice, d) : d;
  }
  let diceMean = dice as GraphValue;
  if ((k as number) > 2) diceMean = s.mulScalar(diceMean, 1 / ((k as number) - 1), 'dice');
  const parts: GraphValue[] = [];
  if (o.ceWeight !== 0) parts.push(o.ceWeight === 1 ? ce : s.mulScalar(ce, o.ceWeight, 'ce_weighted'));
  if (o.diceWeight !== 0)
    parts.push(o.diceWeight === 1 ? diceMean : s.mulScalar(diceMean, o.diceWeight, 'dice_weighted'));
  const loss =
    parts.length === 0
      ? s.mulScalar(ce, 0, 'zero')
      : parts.length === 1
        ? (parts[0] as GraphValue)
        : s.add(parts[0] as GraphValue, parts[1] as GraphValue, 'total');
  return { loss, dice: diceMean, ce };
}
