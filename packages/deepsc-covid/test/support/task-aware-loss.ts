/**
 * The float64 REFERENCE of DeepSC-COVID's task-aware loss (Wang et al., IEEE TMI 2021), which
 * the production loss (graph-loss.ts: the engine's float32 loss ops inside the training graph)
 * is checked against: computed in TypeScript (float64 accumulation) on the network's outputs,
 * with its analytic gradients returned as seeds for the native backward pass
 * (`CompiledModel.backward(seeds)`; reference-step.ts runs such a step). Its own correctness is
 * checked against finite differences and hand-computed values (model-loss.test.ts,
 * model-gradients.test.ts). Until issue 13 it was the CPU's production path.
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
 * @module
 */
import type { TaskAwareLossResult } from '../../src/graph-loss-inputs.js';
import { resolveLossOptions, type TaskAwareLossOptions } from '../../src/loss-options.js';
import { hasClassifier, hasSegmentation, isJoint, type Variant } from '../../src/variant.js';

/** A network output as the loss reads it: values and shape. */
export interface LossArray {
  data: Float32Array;
  shape: readonly number[];
}

/** What the loss reads. Shapes follow `buildDeepScCovid`'s outputs. */
export interface LossInputs {
  /** Class logits `[N, K]` (variants with a classifier). */
  logits?: LossArray;
  /** Class index per sample, in [0, K). */
  labels?: readonly number[];
  /** Segmentation logits `[N, 2, ...patch]`. */
  segLogits?: LossArray;
  /** Binary lesion mask `[N, 1, ...patch]` (ignored for samples whose flag is 0). */
  lesionMask?: Float32Array;
  /** Binary lung mask `[N, 1, ...patch]`; default all ones. */
  lungMask?: Float32Array;
  /** Per sample: 1 when it has a lesion mask (segmentation terms count), else 0. */
  hasMask?: readonly number[];
  /** Lesion side outputs s_1..s_3 `[N, 1, ...]`. */
  sides?: readonly [LossArray, LossArray, LossArray];
  /** Evidence maps cropped to the patch, v_1..v_3, shaped as `sides`. */
  evidenceInPatch?: readonly [LossArray, LossArray, LossArray];
}

/** The loss and its terms (as a training step reports them) and the gradient seeds. */
export interface ReferenceLossResult extends TaskAwareLossResult {
  /** dL/d(output) by output name (`logits`, `seg_logits`, `side1..3`, `evidence1..3_patch`). */
  seeds: Record<string, Float32Array>;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Cross-entropy and focal terms with gradients w.r.t. the logits (see the module formula). */
export function classificationLoss(
  logits: LossArray,
  labels: readonly number[],
  o: Required<TaskAwareLossOptions>,
): { ce: number; focal: number; loss: number; grad: Float32Array } {
  const [n, k] = logits.shape as [number, number];
  if (logits.shape.length !== 2)
    throw new TypeError(`classificationLoss: logits must be [N, K], got [${logits.shape.join(', ')}]`);
  if (labels.length !== n)
    throw new RangeError(`classificationLoss: ${labels.length} labels for a batch of ${n}`);
  if (o.classWeights.length !== k)
    throw new RangeError(`classificationLoss: ${o.classWeights.length} class weights for ${k} classes`);
  const grad = new Float32Array(n * k);
  let ce = 0;
  let focal = 0;
  const gamma = o.focalGamma;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= k)
      throw new RangeError(`classificationLoss: label ${y} of sample ${i} is not in [0, ${k})`);
    const z = Array.from(logits.data.subarray(i * k, (i + 1) * k));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    const p = z.map((v) => Math.exp(v - lse));
    const w = o.classWeights[y] as number;
    const logp = (z[y] as number) - lse;
    const py = p[y] as number;
    const q = 1 - py;
    ce += -w * logp;
    const qg = gamma === 0 ? 1 : q ** gamma;
    focal += -w * qg * logp;
    // d FL / d z_c = -w (delta - p_c) [q^g - g q^(g-1) p_y log p_y]
    const dq = gamma === 0 || q === 0 ? 0 : gamma * q ** (gamma - 1) * py * logp;
    for (let c = 0; c < k; c++) {
      const delta = c === y ? 1 : 0;
      const dce = w * ((p[c] as number) - delta);
      const dfl = -w * (delta - (p[c] as number)) * (qg - dq);
      grad[i * k + c] = (o.ceWeight * dce + o.focalWeight * dfl) / n;
    }
  }
  ce /= n;
  focal /= n;
  return { ce, focal, loss: o.ceWeight * ce + o.focalWeight * focal, grad };
}

/** Lung-masked soft Dice and weighted cross-entropy with gradients w.r.t. the two-class logits. */
export function segmentationLoss(
  segLogits: LossArray,
  lesion: Float32Array,
  lung: Float32Array | undefined,
  hasMask: readonly number[],
  o: Required<TaskAwareLossOptions>,
): { dice: number; segCe: number; loss: number; grad: Float32Array } {
  const [n, c] = segLogits.shape as [number, number];
  if (c !== 2 || segLogits.shape.length < 3)
    throw new TypeError(`segmentationLoss: logits must be [N, 2, ...], got [${segLogits.shape.join(', ')}]`);
  const v = numel(segLogits.shape.slice(2));
  if (lesion.length !== n * v)
    throw new RangeError(`segmentationLoss: lesion mask has ${lesion.length} values, need ${n * v}`);
  if (lung && lung.length !== n * v)
    throw new RangeError(`segmentationLoss: lung mask has ${lung.length} values, need ${n * v}`);
  if (hasMask.length !== n)
    throw new RangeError(`segmentationLoss: ${hasMask.length} mask flags for a batch of ${n}`);
  const grad = new Float32Array(n * 2 * v);
  const flagged = hasMask.reduce((s: number, f) => s + (f ? 1 : 0), 0);
  const denom = Math.max(1, flagged);
  const [u0, u1] = o.segClassWeights;
  let dice = 0;
  let segCe = 0;
  const p = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    if (!hasMask[i]) continue;
    const z = segLogits.data;
    const base = i * 2 * v;
    let inter = 0;
    let sp = 0;
    let sg = 0;
    let ceSum = 0;
    let wSum = 0;
    for (let j = 0; j < v; j++) {
      const d = (z[base + v + j] as number) - (z[base + j] as number); // z1 - z0
      const pj = 1 / (1 + Math.exp(-d));
      p[j] = pj;
      const g = (lesion[i * v + j] as number) > 0.5 ? 1 : 0;
      const l = lung ? (lung[i * v + j] as number) : 1;
      inter += pj * g * l;
      sp += pj * l;
      sg += g * l;
      // -log p_t with softplus for stability: -log sigmoid(d) = softplus(-d).
      const nll = g ? softplus(-d) : softplus(d);
      const u = g ? u1 : u0;
      ceSum += u * nll;
      wSum += u;
    }
    const den = sp + sg + o.diceEps;
    const num = 2 * inter + o.diceEps;
    dice += 1 - num / den;
    const wce = wSum > 0 ? ceSum / wSum : 0;
    segCe += wce;
    for (let j = 0; j < v; j++) {
      const pj = p[j] as number;
      const g = (lesion[i * v + j] as number) > 0.5 ? 1 : 0;
      const l = lung ? (lung[i * v + j] as number) : 1;
      const dDicedP = -(2 * g * l * den - num * l) / (den * den);
      const dDice = dDicedP * pj * (1 - pj); // d/d(z1 - z0)
      const u = g ? u1 : u0;
      const dCe = wSum > 0 ? (u * (pj - g)) / wSum : 0; // d/d(z1 - z0) of -log p_t
      const gd = (o.diceWeight * dDice + o.segCeWeight * dCe) / denom;
      grad[base + v + j] = gd;
      grad[base + j] = -gd;
    }
  }
  dice /= denom;
  segCe /= denom;
  return { dice, segCe, loss: o.diceWeight * dice + o.segCeWeight * segCe, grad };
}

/** The task-aware term and its gradients w.r.t. both the side outputs and the evidence maps. */
export function taskAwareTerm(
  sides: readonly LossArray[],
  evidence: readonly LossArray[],
  o: Required<TaskAwareLossOptions>,
): { loss: number; mse: [number, number, number]; gradSides: Float32Array[]; gradEvidence: Float32Array[] } {
  const mse: [number, number, number] = [0, 0, 0];
  const gradSides: Float32Array[] = [];
  const gradEvidence: Float32Array[] = [];
  let loss = 0;
  for (let k = 0; k < 3; k++) {
    const s = sides[k];
    const e = evidence[k];
    if (!s || !e || s.data.length !== e.data.length)
      throw new RangeError(
        `taskAwareTerm: side output ${k + 1} and evidence map ${k + 1} must have the same shape`,
      );
    const m = s.data.length;
    const gs = new Float32Array(m);
    const ge = new Float32Array(m);
    let sum = 0;
    const scale = (o.taskWeight * (o.levelWeights[k] as number) * 2) / m;
    for (let j = 0; j < m; j++) {
      const d = (s.data[j] as number) - (e.data[j] as number);
      sum += d * d;
      gs[j] = scale * d;
      ge[j] = -scale * d;
    }
    mse[k] = sum / m;
    loss += ((o.levelWeights[k] as number) * sum) / m;
    gradSides.push(gs);
    gradEvidence.push(ge);
  }
  return { loss: o.taskWeight * loss, mse, gradSides, gradEvidence };
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * The whole loss for `variant`, with seeds for every output it reads.
 * @throws TypeError / RangeError when an input the variant needs is missing or mis-shaped.
 */
export function taskAwareLoss(
  variant: Variant,
  x: LossInputs,
  options: TaskAwareLossOptions = {},
): ReferenceLossResult {
  const o = resolveLossOptions(variant, options);
  const terms = {
    ce: 0,
    focal: 0,
    cls: 0,
    dice: 0,
    segCe: 0,
    seg: 0,
    task: 0,
    mse: [0, 0, 0] as [number, number, number],
  };
  const seeds: Record<string, Float32Array> = {};
  if (hasClassifier(variant)) {
    if (!x.logits || !x.labels)
      throw new TypeError(`taskAwareLoss: variant ${variant} needs logits and labels`);
    const r = classificationLoss(x.logits, x.labels, o);
    Object.assign(terms, { ce: r.ce, focal: r.focal, cls: r.loss });
    seeds.logits = r.grad;
  }
  if (hasSegmentation(variant)) {
    if (!x.segLogits || !x.lesionMask || !x.hasMask)
      throw new TypeError(`taskAwareLoss: variant ${variant} needs segLogits, lesionMask and hasMask`);
    const r = segmentationLoss(x.segLogits, x.lesionMask, x.lungMask, x.hasMask, o);
    Object.assign(terms, { dice: r.dice, segCe: r.segCe, seg: r.loss });
    seeds.seg_logits = r.grad;
  }
  if (isJoint(variant)) {
    if (!x.sides || !x.evidenceInPatch)
      throw new TypeError(`taskAwareLoss: variant ${variant} needs sides and evidenceInPatch`);
    const r = taskAwareTerm(x.sides, x.evidenceInPatch, o);
    terms.task = r.loss;
    terms.mse = r.mse;
    for (let k = 0; k < 3; k++) {
      seeds[`side${k + 1}`] = r.gradSides[k] as Float32Array;
      seeds[`evidence${k + 1}_patch`] = r.gradEvidence[k] as Float32Array;
    }
  }
  return { total: terms.cls + terms.seg + terms.task, terms, seeds };
}
