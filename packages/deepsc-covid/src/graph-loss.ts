/**
 * The task-aware loss of DeepSC-COVID (Wang et al., IEEE TMI 40(9):2463-2476, 2021), built INTO
 * the network's training graph from the engine's loss ops (`cross_entropy`, `focal`,
 * `soft_dice`, `mse`): the one loss of a training step, on the CPU and on CUDA. The step keeps
 * the loss and its gradient in the engine and only the scalars come back to the host. Every
 * term reaches the parameters through the graph, the task-aware term both the lesion and the
 * classification subnets (in the authors' release it was added after the backward pass and
 * trained nothing).
 *
 *   L = L_cls + L_seg + L_task
 *   L_cls  = mean_n [ a_ce CE_n + a_focal FL_n ]                        (a_ce 1, a_focal 2)
 *            CE_n = -w_{y_n} log p_{n,y_n},  FL_n = -w_{y_n} (1 - p_{n,y_n})^gamma log p_{n,y_n}
 *            (gamma 2; class weights w = COVID-19 1, CAP 1, non-pneumonia 0.5; a weighted sum
 *            over the batch divided by N, so the weights still act at the paper's batch of 1)
 *   L_seg  = sum_n f_n [ a_dice Dice_n + a_wce WCE_n ] / max(1, sum_n f_n)   (a_dice 1, a_wce 2)
 *            f_n = 1 when sample n has a lesion mask, else 0
 *            Dice_n = 1 - (2 sum p g l + eps) / (sum p l + sum g l + eps)   (p lesion probability,
 *            g lesion mask, l lung mask, eps 1e-5)
 *            WCE_n = sum_v u_{t_v} (-log p_{t_v}) / sum_v u_{t_v}   (u = background 0.1, lesion 1)
 *   L_task = a_task (b_1 MSE(s_1, v_1) + b_2 MSE(s_2, v_2) + b_3 MSE(s_3, v_3))   (a_task 5;
 *            b = 0.25, 0.25, 0.5), s_k the patch's lesion side outputs at levels 1..3 and v_k the
 *            sigmoid evidence maps cropped to the patch's region and resampled to the same grid.
 *
 * It is checked term by term, value and parameter gradients, against a float64 TypeScript
 * reference of the same formula (test/support/task-aware-loss.ts, until issue 13 the CPU's
 * production path) on every variant, with and without masks (graph-loss.test.ts).
 *
 * Why in the graph: on an H200 at the paper's sizes the step with the loss in TypeScript took
 * 269 ms against PyTorch's 103 ms, of which only 79 ms was GPU work; most of the remaining
 * 186 ms was the loss on the 24x256x256 segmentation logits copied to the host and its
 * gradients copied back. On the CPU both cost the same (benchmarks/README.md, loss path).
 *
 * The native ops normalise differently from the paper's formula; the differences are closed by
 * small per-batch factors the host computes from the labels and mask flags (a few numbers; see
 * graph-loss-inputs.ts), fed as inputs:
 *
 * - Classification. Ours: CE = sum_n w[y_n] CE_n / N (the same for focal). Native
 *   `cross_entropy` / `focal` (no mask): sum_n w[y_n] CE_n / sum_n w[y_n] (0 when that sum is
 *   0). So CE = native x `loss.cls_factor`, cls_factor = sum_n w[y_n] / N (0 when the sum is 0,
 *   where both are 0).
 * - Dice. Ours: mean of 1 - Dice_n over the flagged samples (f_n = hasMask), divided by
 *   max(1, sum f), with p = sigmoid(z1 - z0) = softmax(seg_logits)[:, 1] and the lung mask l.
 *   Native `soft_dice` is 1 - mean over its batch of Dice_n; on one sample's slice [1, 1, ...]
 *   it is 1 - Dice_n exactly (same eps, same lung weighting). So dice = sum_n s_n softDice_n
 *   with s_n = f_n / max(1, sum f) (`loss.seg_factors`, [N]); an unflagged sample gets 0.
 * - Weighted cross-entropy of the segmentation. Ours normalises PER SAMPLE (sum_v u nll /
 *   sum_v u), then averages over the flagged samples; native `cross_entropy` normalises over
 *   every position of its batch together. On one sample's slice it is WCE_n exactly (0 when
 *   sum_v u = 0, as ours), so segCe = sum_n s_n crossEntropy_n with the same s_n. (N is small,
 *   1 or 2: one slice per sample; with N = 1 no slice at all.)
 * - Task term: 5 x (0.25, 0.25, 0.5) weighted `mse(side_k, evidence_k_patch)`; native `mse` is
 *   the plain mean, as ours. Both arguments are differentiable, so the gradient reaches the
 *   lesion subnet through s_k and the classifier through v_k.
 *
 * Zero weights: a term whose weight is 0 is still computed (its value is reported) but left
 * out of the loss, so no gradient flows through it. The loss is the sum of the included
 * weighted terms.
 * @module
 */
import type { GraphBuilder, GraphValue } from '@deepsc/core';
import type { ResolvedConfig } from './config.js';
import type { DeepScCovidValues } from './deepsc-covid.js';
import { channels } from './layers.js';
import { resolveLossOptions, type TaskAwareLossOptions } from './loss-options.js';
import { hasClassifier, hasSegmentation, isJoint } from './variant.js';

/** Names of the graph inputs the in-graph loss adds (filled by `graphLossInputs`). */
export const GRAPH_LOSS_INPUTS = {
  /** Class index per sample as floats, `[N]` (variants with a classifier). */
  labels: 'loss.labels',
  /** sum_n w[y_n] / N, `[1]` (variants with a classifier). */
  clsFactor: 'loss.cls_factor',
  /** Binary lesion mask `[N, 1, ...patchSize]` (variants with segmentation). */
  lesion: 'loss.lesion',
  /** Lung mask `[N, 1, ...patchSize]` (ones when the batch has none). */
  lung: 'loss.lung',
  /** Per sample f_n / max(1, sum f), `[N]`. */
  segFactors: 'loss.seg_factors',
} as const;

/** Names of the outputs holding the loss's terms, each `[1]` (the total is the output `loss`). */
export const GRAPH_LOSS_TERMS = {
  ce: 'loss.ce',
  focal: 'loss.focal',
  cls: 'loss.cls',
  dice: 'loss.dice',
  segCe: 'loss.seg_ce',
  seg: 'loss.seg',
  task: 'loss.task',
  mse: ['loss.mse1', 'loss.mse2', 'loss.mse3'],
} as const;

/** A term and its weight in a weighted sum. */
type Weighted = readonly [weight: number, value: GraphValue];

/**
 * sum of weight x value over the terms with a non-zero weight; null when there is none. A
 * weight of 1 adds no node.
 */
function weightedSum(g: GraphBuilder, terms: readonly Weighted[]): GraphValue | null {
  let sum: GraphValue | null = null;
  for (const [w, v] of terms) {
    if (w === 0) continue;
    const t = w === 1 ? v : g.mulScalar(v, w);
    sum = sum ? g.add(sum, t) : t;
  }
  return sum;
}

/** The value of a term for reporting: the weighted sum, or 0 x `fallback` when every weight is 0. */
const reported = (g: GraphBuilder, sum: GraphValue | null, fallback: GraphValue): GraphValue =>
  sum ?? g.mulScalar(fallback, 0);

/** Takes sample n of a batch (no node for a batch of one). */
const sample = (g: GraphBuilder, x: GraphValue, n: number, batch: number): GraphValue =>
  batch === 1 ? x : g.slice(x, { axis: 0, start: n, length: 1 });

/**
 * Adds the task-aware loss of `c.variant` to the graph `g` on the network's values (from
 * `buildDeepScCovid`), declares it as the graph's loss (output `loss`) and names its terms as
 * outputs ({@link GRAPH_LOSS_TERMS}; the terms of a part the variant lacks are not declared).
 * Adds the inputs of {@link GRAPH_LOSS_INPUTS} that the variant needs.
 * @param options - the loss's weights and constants, each default as in `TASK_AWARE_DEFAULTS`
 *   (the task weight is 0 unless the variant has the term: `hasTaskAwareTerm`). They are compiled into the graph.
 * @returns the resolved options (what `trainingStep` checks its own options against).
 * @throws RangeError for an invalid option (as `resolveLossOptions`), for `diceEps` = 0 (the
 *   engine's soft Dice needs a smoothing > 0) and for a number of
 *   class weights other than `c.numClasses`; TypeError when `values` lacks an output the
 *   variant needs.
 */
export function buildGraphLoss(
  g: GraphBuilder,
  c: ResolvedConfig,
  values: DeepScCovidValues,
  options: TaskAwareLossOptions = {},
): Required<TaskAwareLossOptions> {
  const o = resolveLossOptions(c.variant, options);
  const hasCls = hasClassifier(c.variant);
  const hasSeg = hasSegmentation(c.variant);
  const hasTask = isJoint(c.variant);
  if (hasCls && o.classWeights.length !== c.numClasses)
    throw new RangeError(
      `buildGraphLoss: ${o.classWeights.length} class weights for ${c.numClasses} classes`,
    );
  if (hasSeg && !(o.diceEps > 0))
    throw new RangeError(
      `buildGraphLoss: loss option diceEps = ${o.diceEps}: the in-graph soft Dice needs a smoothing > 0 (use a small positive eps)`,
    );
  const n = c.batch;
  const included: GraphValue[] = [];
  const firstTerm: GraphValue[] = [];
  const out = (name: string, v: GraphValue) => g.output(name, v);

  if (hasCls) {
    if (!values.logits) throw new TypeError(`buildGraphLoss: variant ${c.variant} needs the logits`);
    const labels = g.input(GRAPH_LOSS_INPUTS.labels, [n]);
    const factor = g.input(GRAPH_LOSS_INPUTS.clsFactor, [1]);
    const ce = g.mul(
      g.crossEntropy(values.logits, labels, null, { class_weights: o.classWeights }, 'loss_ce'),
      factor,
    );
    const focal = g.mul(
      g.focal(
        values.logits,
        labels,
        null,
        { gamma: o.focalGamma, class_weights: o.classWeights },
        'loss_focal',
      ),
      factor,
    );
    const cls = weightedSum(g, [
      [o.ceWeight, ce],
      [o.focalWeight, focal],
    ]);
    if (cls) included.push(cls);
    firstTerm.push(ce);
    out(GRAPH_LOSS_TERMS.ce, ce);
    out(GRAPH_LOSS_TERMS.focal, focal);
    out(GRAPH_LOSS_TERMS.cls, reported(g, cls, ce));
  }

  if (hasSeg) {
    const z = values.segLogits;
    if (!z) throw new TypeError(`buildGraphLoss: variant ${c.variant} needs the segmentation logits`);
    const lesion = g.input(GRAPH_LOSS_INPUTS.lesion, [n, 1, ...c.patchSize]);
    const lung = g.input(GRAPH_LOSS_INPUTS.lung, [n, 1, ...c.patchSize]);
    const factors = g.input(GRAPH_LOSS_INPUTS.segFactors, [n]);
    // p = softmax(z)[:, 1] = sigmoid(z1 - z0), the lesion probability of the formula.
    const p = channels(g, g.softmax(z), 1, 1);
    let dice: GraphValue | null = null;
    let segCe: GraphValue | null = null;
    for (let i = 0; i < n; i++) {
      const s = sample(g, factors, i, n);
      const g_i = sample(g, lesion, i, n);
      const d = g.mul(g.softDice(sample(g, p, i, n), g_i, sample(g, lung, i, n), { smooth: o.diceEps }), s);
      const e = g.mul(g.crossEntropy(sample(g, z, i, n), g_i, null, { class_weights: o.segClassWeights }), s);
      dice = dice ? g.add(dice, d) : d;
      segCe = segCe ? g.add(segCe, e) : e;
    }
    const diceV = dice as GraphValue;
    const segCeV = segCe as GraphValue;
    const seg = weightedSum(g, [
      [o.diceWeight, diceV],
      [o.segCeWeight, segCeV],
    ]);
    if (seg) included.push(seg);
    firstTerm.push(diceV);
    out(GRAPH_LOSS_TERMS.dice, diceV);
    out(GRAPH_LOSS_TERMS.segCe, segCeV);
    out(GRAPH_LOSS_TERMS.seg, reported(g, seg, diceV));
  }

  if (hasTask) {
    const { sides, evidenceInPatch } = values;
    if (!sides || !evidenceInPatch)
      throw new TypeError(`buildGraphLoss: variant ${c.variant} needs the side outputs and evidence maps`);
    const mse = [0, 1, 2].map((k) => g.mse(sides[k] as GraphValue, evidenceInPatch[k] as GraphValue));
    const levels = weightedSum(
      g,
      mse.map((m, k): Weighted => [o.levelWeights[k] as number, m]),
    );
    const task = levels && o.taskWeight !== 0 ? weightedSum(g, [[o.taskWeight, levels]]) : null;
    if (task) included.push(task);
    mse.forEach((m, k) => {
      out(GRAPH_LOSS_TERMS.mse[k] as string, m);
    });
    out(GRAPH_LOSS_TERMS.task, reported(g, task, mse[0] as GraphValue));
  }

  let total = included[0] ?? g.mulScalar(firstTerm[0] as GraphValue, 0);
  for (const t of included.slice(1)) total = g.add(total, t);
  g.loss(total);
  return o;
}
