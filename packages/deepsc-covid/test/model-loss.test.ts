import { describe, expect, it } from 'vitest';
import { resolveLossOptions, TASK_AWARE_DEFAULTS } from '../src/loss-options.js';
import {
  classificationLoss,
  type LossArray,
  segmentationLoss,
  taskAwareLoss,
  taskAwareTerm,
} from './support/task-aware-loss.js';

const arr = (v: number[], shape: number[]): LossArray => ({ data: Float32Array.from(v), shape });
const o = resolveLossOptions('joint');

// Reference values from PyTorch in float64 (torch.log_softmax, F.cross_entropy with weights).
describe('task-aware loss terms against hand-computed values', () => {
  it.each([
    ['COVID-19 (weight 1)', 0, 0.16984601955628567, 0.004144257309967156],
    ['non-pneumonia (weight 0.5)', 2, 1.5849230097781428, 1.4545547133516115],
  ])('classification: %s', (_, label, ce, focal) => {
    const r = classificationLoss(arr([2, 0, -1], [1, 3]), [label], o);
    expect(r.ce).toBeCloseTo(ce, 6);
    expect(r.focal).toBeCloseTo(focal, 6);
    expect(r.loss).toBeCloseTo(ce + 2 * focal, 6);
  });

  it('classification: the batch mean of per-sample terms', () => {
    const r = classificationLoss(arr([2, 0, -1, 2, 0, -1], [2, 3]), [0, 2], o);
    expect(r.ce).toBeCloseTo((0.16984601955628567 + 1.5849230097781428) / 2, 6);
  });

  it('segmentation: soft Dice + 2 x weighted cross-entropy (0.1 background, 1 lesion)', () => {
    const logits = arr([0.5, -1, 1.5, 0.2], [1, 2, 2]);
    const r = segmentationLoss(logits, Float32Array.from([1, 0]), undefined, [1], o);
    expect(r.dice).toBeCloseTo(0.41505399261636433, 6);
    expect(r.segCe).toBeCloseTo(0.4178090311382054, 6);
    expect(r.loss).toBeCloseTo(1.250672054892775, 6);
  });

  it('segmentation: the Dice term only counts voxels inside the lung', () => {
    const logits = arr([0.5, -1, 1.5, 0.2], [1, 2, 2]);
    const r = segmentationLoss(logits, Float32Array.from([1, 0]), Float32Array.from([1, 0]), [1], o);
    expect(r.dice).toBeCloseTo(0.15536150600274856, 6);
  });

  it('segmentation: a sample without a mask adds nothing and gets no gradient', () => {
    const logits = arr([0.5, -1, 1.5, 0.2], [1, 2, 2]);
    const r = segmentationLoss(logits, Float32Array.from([1, 0]), undefined, [0], o);
    expect(r.loss).toBe(0);
    expect(Array.from(r.grad).every((v) => v === 0)).toBe(true);
  });

  it('task-aware: 5 x (0.25 MSE1 + 0.25 MSE2 + 0.5 MSE3)', () => {
    const s = [arr([0.2, 0.4], [1, 1, 2]), arr([0.9], [1, 1, 1]), arr([0.5, 0.5, 0.1], [1, 1, 3])];
    const v = [arr([0.1, 0.7], [1, 1, 2]), arr([0.3], [1, 1, 1]), arr([0.5, 0.2, 0.4], [1, 1, 3])];
    const r = taskAwareTerm(s, v, o);
    expect(r.mse[0]).toBeCloseTo(0.05, 6);
    expect(r.mse[1]).toBeCloseTo(0.36, 6);
    expect(r.mse[2]).toBeCloseTo(0.06, 6);
    expect(r.loss).toBeCloseTo(0.6625, 6);
    // The gradient goes to both sides with opposite signs.
    expect(r.gradSides[1]?.[0]).toBeCloseTo((5 * 0.25 * 2 * 0.6) / 1, 5);
    expect(r.gradEvidence[1]?.[0]).toBeCloseTo(-(5 * 0.25 * 2 * 0.6), 5);
  });

  it('defaults are the published ones', () => {
    expect(TASK_AWARE_DEFAULTS).toMatchObject({
      ceWeight: 1,
      focalWeight: 2,
      focalGamma: 2,
      classWeights: [1, 1, 0.5],
      diceWeight: 1,
      segCeWeight: 2,
      segClassWeights: [0.1, 1],
      taskWeight: 5,
      levelWeights: [0.25, 0.25, 0.5],
    });
    expect(resolveLossOptions('joint-without-task-aware').taskWeight).toBe(0);
    expect(resolveLossOptions('joint', { taskWeight: 3 }).taskWeight).toBe(3);
  });
});

describe('task-aware loss gradients match finite differences (float64)', () => {
  const fd = (f: (x: Float32Array) => number, x: Float32Array, i: number, h = 1e-3) => {
    const a = Float32Array.from(x);
    const b = Float32Array.from(x);
    a[i] = (a[i] as number) + h;
    b[i] = (b[i] as number) - h;
    return (f(a) - f(b)) / (((a[i] as number) - (b[i] as number)) as number);
  };
  it.each([0, 1, 2.5])('classification, gamma %s', (gamma) => {
    const oo = resolveLossOptions('joint', { focalGamma: gamma });
    const x = Float32Array.from([0.3, -1.2, 2.0, 1.0, 0.5, -0.25]);
    const f = (z: Float32Array) => classificationLoss({ data: z, shape: [2, 3] }, [2, 1], oo).loss;
    const g = classificationLoss({ data: x, shape: [2, 3] }, [2, 1], oo).grad;
    for (let i = 0; i < 6; i++) expect(g[i]).toBeCloseTo(fd(f, x, i), 3);
  });
  it('segmentation (Dice with lung mask + weighted CE), two samples one flagged', () => {
    const x = Float32Array.from([0.5, -1, 0.1, 1.5, 0.2, -0.3, 0.3, 0.1, -0.2, 0.4, 0.0, 0.7]);
    const lesion = Float32Array.from([1, 0, 1, 0, 1, 1]);
    const lung = Float32Array.from([1, 1, 0, 1, 1, 1]);
    const f = (z: Float32Array) =>
      segmentationLoss({ data: z, shape: [2, 2, 3] }, lesion, lung, [1, 0], o).loss;
    const g = segmentationLoss({ data: x, shape: [2, 2, 3] }, lesion, lung, [1, 0], o).grad;
    for (let i = 0; i < x.length; i++) expect(g[i]).toBeCloseTo(fd(f, x, i), 3);
  });
});

describe('task-aware loss errors', () => {
  it.each([
    [
      'a label out of range',
      () => classificationLoss(arr([1, 2, 3], [1, 3]), [3], o),
      /label 3 of sample 0 is not in \[0, 3\)/,
    ],
    ['too few labels', () => classificationLoss(arr([1, 2, 3], [1, 3]), [], o), /0 labels for a batch of 1/],
    [
      'a mask of the wrong size',
      () => segmentationLoss(arr([1, 2], [1, 2, 1]), Float32Array.from([1, 0]), undefined, [1], o),
      /lesion mask has 2 values, need 1/,
    ],
    [
      'one logit channel',
      () => segmentationLoss(arr([1, 2], [1, 1, 2]), Float32Array.from([1, 0]), undefined, [1], o),
      /must be \[N, 2, \.\.\.\]/,
    ],
    [
      'a negative weight',
      () => resolveLossOptions('joint', { diceWeight: -1 }),
      /diceWeight = -1 must be a finite number >= 0/,
    ],
    [
      'a NaN class weight',
      () => resolveLossOptions('joint', { classWeights: [1, Number.NaN, 1] }),
      /classWeights/,
    ],
    [
      'missing labels for the classifier',
      () => taskAwareLoss('classification-only', { logits: arr([1, 2, 3], [1, 3]) }),
      /needs logits and labels/,
    ],
    [
      'missing masks for segmentation',
      () => taskAwareLoss('segmentation-only', {}),
      /needs segLogits, lesionMask and hasMask/,
    ],
    [
      'side and evidence shapes differ',
      () =>
        taskAwareTerm(
          [arr([1], [1]), arr([1], [1]), arr([1], [1])],
          [arr([1, 2], [2]), arr([1], [1]), arr([1], [1])],
          o,
        ),
      /side output 1 and evidence map 1/,
    ],
  ])('%s', (_, f, msg) => {
    expect(f).toThrow(msg);
  });
});
