/**
 * The paper's two parameter groups from a training configuration's `optimizer` section: the
 * lesion subnet and the cross-stitch units at `segmentationLr`, everything else (stems,
 * classifier) at `lr`.
 * @module
 */
import type { ModelOptimizer, OptimizerConfig, TrainingOptimizer } from '@deepsc/core';
import { hasSegmentation, type Variant } from './variant.js';

/** The lesion subnet's and cross-stitch units' learning rate when the section gives none (the paper's). */
export const DEFAULT_SEGMENTATION_LR = 5e-3;

/** Parameters of the segmentation group: the lesion subnet and the cross-stitch units. */
export const isSegmentationParameter = (name: string): boolean =>
  name.startsWith('lesion.') || name.startsWith('cross_stitch.');

/**
 * The paper's optimizer: Adam (0.9, 0.999), lr 2e-3 for the stems and the classifier, 5e-3 for
 * the lesion subnet and the cross-stitch unit (one group when the variant has neither).
 */
export function paperOptimizer(variant: Variant = 'joint'): OptimizerConfig {
  return {
    kind: 'adam',
    lr: 2e-3,
    ...(!hasSegmentation(variant)
      ? {}
      : { groups: [{ params: isSegmentationParameter, lr: DEFAULT_SEGMENTATION_LR }] }),
  };
}

/**
 * The optimizer of a training configuration. Group 0 is the segmentation group (at
 * `segmentationLr`), group 1 the rest (at `lr`); `classification-only` has no lesion subnet
 * and one group, at `lr`.
 * @throws RangeError naming `optimizer.segmentationLr` when it is given and not a positive number.
 */
export function paperGroups(variant: Variant, o: TrainingOptimizer): ModelOptimizer {
  const given = o.segmentationLr;
  if (given !== undefined && !(typeof given === 'number' && Number.isFinite(given) && given > 0))
    throw new RangeError(
      `optimizer.segmentationLr: got ${JSON.stringify(given)}; must be a positive number (the lesion subnet's and cross-stitch units' learning rate)`,
    );
  const segmentationLr = (given as number | undefined) ?? DEFAULT_SEGMENTATION_LR;
  const oneGroup = !hasSegmentation(variant);
  const groups = oneGroup ? [] : [{ params: isSegmentationParameter, lr: segmentationLr }];
  const common = {
    lr: o.lr,
    weightDecay: o.weightDecay,
    ...(o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {}),
  };
  const config: OptimizerConfig =
    o.kind === 'sgd'
      ? { kind: 'sgd', ...common, ...(o.momentum !== undefined ? { momentum: o.momentum } : {}), groups }
      : { kind: o.kind, ...common, ...(o.betas !== undefined ? { betas: o.betas } : {}), groups };
  return oneGroup
    ? { config, baseLearningRates: [o.lr], groupNames: ['lr'] }
    : { config, baseLearningRates: [segmentationLr, o.lr], groupNames: ['segmentationLr', 'lr'] };
}
