/**
 * The host side of the in-graph task-aware loss (graph-loss.ts): the batch's labels, masks and
 * per-batch factors as the graph's loss inputs, and the loss and its terms read back from the
 * scalar outputs.
 * @module
 */
import { Tensor } from '@deepsc/core';
import type { ResolvedConfig } from './config.js';
import { GRAPH_LOSS_INPUTS, GRAPH_LOSS_TERMS } from './graph-loss.js';
import type { DeepScCovidNetwork } from './network.js';
import type { TrainingBatch } from './training-step.js';
import { hasClassifier, hasSegmentation, isJoint } from './variant.js';

/** The loss of a training step and its terms (a term of a part the variant lacks is 0). */
export interface TaskAwareLossResult {
  total: number;
  terms: {
    ce: number;
    focal: number;
    cls: number;
    dice: number;
    segCe: number;
    seg: number;
    task: number;
    mse: [number, number, number];
  };
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether every value is 0 or 1 (a plain loop: `every` costs about 15 ms on a 24x256x256 patch). */
function isBinary(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x !== 0 && x !== 1) return false;
  }
  return true;
}

/**
 * The graph's loss inputs for `batch` (see {@link GRAPH_LOSS_INPUTS}): labels as floats and
 * cls_factor = sum_n w[y_n] / N; the lesion mask binarised at 0.5 (passed as is when it is
 * already 0/1 and shaped `[N, 1, ...patchSize]`); the lung mask (ones when absent); and
 * seg_factors s_n = f_n / max(1, sum f) with f = `hasMask` (default all 1 when a lesion mask
 * is given). Everything is validated before any tensor is made; messages name the batch's field.
 * @returns the inputs and the tensors made here (`owned`: the caller disposes them).
 * @throws TypeError when the batch lacks labels (variants with a classifier) or a lesion mask
 *   (variants with segmentation); RangeError for a wrong number of labels or flags, a label
 *   that is not a class index, or a mask with the wrong number of values.
 */
export function graphLossInputs(
  net: DeepScCovidNetwork,
  batch: Pick<TrainingBatch, 'labels' | 'lesionMask' | 'lungMask' | 'hasMask'>,
): { inputs: Record<string, Tensor>; owned: Tensor[] } {
  const c = net.config;
  const o = net.lossOptions;
  if (!o) throw new TypeError('graphLossInputs: the network was not compiled with the loss in its graph');
  const n = c.batch;
  const hasCls = hasClassifier(c.variant);
  const hasSeg = hasSegmentation(c.variant);
  const labels = batch.labels;
  if (hasCls) {
    if (!labels) throw new TypeError(`batch.labels: variant ${c.variant} needs a class index per sample`);
    if (labels.length !== n)
      throw new RangeError(`batch.labels: ${labels.length} labels for a batch of ${n}`);
    for (const [i, y] of labels.entries())
      if (!Number.isInteger(y) || y < 0 || y >= c.numClasses)
        throw new RangeError(`batch.labels: label ${y} of sample ${i} is not in [0, ${c.numClasses})`);
  }
  const maskShape = [n, 1, ...c.patchSize];
  const v = numel(maskShape);
  const hasMask = batch.hasMask ?? (batch.lesionMask ? Array.from({ length: n }, () => 1) : undefined);
  if (hasSeg) {
    if (!batch.lesionMask || !hasMask)
      throw new TypeError(`batch.lesionMask: variant ${c.variant} needs a lesion mask of the patch`);
    if (batch.lesionMask.data.length !== v)
      throw new RangeError(`batch.lesionMask: ${batch.lesionMask.data.length} values, need ${v}`);
    if (batch.lungMask && batch.lungMask.data.length !== v)
      throw new RangeError(`batch.lungMask: ${batch.lungMask.data.length} values, need ${v}`);
    if (hasMask.length !== n)
      throw new RangeError(`batch.hasMask: ${hasMask.length} mask flags for a batch of ${n}`);
  }

  const inputs: Record<string, Tensor> = {};
  const owned: Tensor[] = [];
  const make = (values: ArrayLike<number>, shape: readonly number[]) => {
    const t = Tensor.from(values, shape);
    owned.push(t);
    return t;
  };
  if (hasCls && labels) {
    const w = labels.reduce((s, y) => s + (o.classWeights[y] as number), 0);
    inputs[GRAPH_LOSS_INPUTS.labels] = make(labels, [n]);
    inputs[GRAPH_LOSS_INPUTS.clsFactor] = make([w / n], [1]);
  }
  if (hasSeg && batch.lesionMask && hasMask) {
    const m = batch.lesionMask;
    const binary = isBinary(m.data);
    inputs[GRAPH_LOSS_INPUTS.lesion] =
      binary && sameShape(m.shape, maskShape)
        ? m
        : make(
            m.data.map((x) => (x > 0.5 ? 1 : 0)),
            maskShape,
          );
    const l = batch.lungMask;
    if (!l) {
      const ones = Tensor.full(maskShape, 1);
      owned.push(ones);
      inputs[GRAPH_LOSS_INPUTS.lung] = ones;
    } else inputs[GRAPH_LOSS_INPUTS.lung] = sameShape(l.shape, maskShape) ? l : make(l.data, maskShape);
    const flagged = hasMask.reduce((s: number, f) => s + (f ? 1 : 0), 0);
    const denom = Math.max(1, flagged);
    inputs[GRAPH_LOSS_INPUTS.segFactors] = make(
      hasMask.map((f) => (f ? 1 / denom : 0)),
      [n],
    );
  }
  return { inputs, owned };
}

/** The outputs a training step reads back for `c` (all `[1]`): `loss` and the variant's terms. */
export function graphLossOutputs(c: ResolvedConfig): string[] {
  const t = GRAPH_LOSS_TERMS;
  const names = ['loss'];
  if (hasClassifier(c.variant)) names.push(t.ce, t.focal, t.cls);
  if (hasSegmentation(c.variant)) names.push(t.dice, t.segCe, t.seg);
  if (isJoint(c.variant)) names.push(t.task, ...t.mse);
  return names;
}

/**
 * The loss and its terms from the forward's outputs (terms of parts the variant lacks are 0).
 * @throws TypeError when `outs` lacks `loss`.
 */
export function readGraphLoss(outs: Readonly<Record<string, Tensor>>): TaskAwareLossResult {
  const get = (name: string) => (outs[name] ? (outs[name].data[0] as number) : 0);
  if (!outs.loss) throw new TypeError("readGraphLoss: the outputs have no 'loss'");
  const t = GRAPH_LOSS_TERMS;
  return {
    total: get('loss'),
    terms: {
      ce: get(t.ce),
      focal: get(t.focal),
      cls: get(t.cls),
      dice: get(t.dice),
      segCe: get(t.segCe),
      seg: get(t.seg),
      task: get(t.task),
      mse: [get(t.mse[0]), get(t.mse[1]), get(t.mse[2])],
    },
  };
}
