/**
 * From a training configuration to the network's configuration and its optimizer.
 * @module
 */
import type { OptimizerConfig } from '@deepsc/core';
import {
  type DeepScCovidConfig,
  presetConfig,
  type ResolvedConfig,
  resolveConfig,
} from '@deepsc/deepsc-covid';
import { ConfigError } from './config/config-error.js';
import { MAX_SCAN_AXIS, MIN_SCAN_AXIS, type TrainConfig } from './config/schema.js';

/** The network configuration a training configuration asks for (preset plus overrides). */
export function networkConfig(c: Pick<TrainConfig, 'model'>): DeepScCovidConfig {
  const m = c.model;
  const overrides: Partial<DeepScCovidConfig> = { variant: m.variant };
  if (m.wholeSize) overrides.wholeSize = m.wholeSize;
  if (m.patchSize) overrides.patchSize = m.patchSize;
  if (m.stemWidth !== undefined) overrides.stemWidth = m.stemWidth;
  if (m.unetWidths) overrides.unetWidths = m.unetWidths;
  if (m.clsWidths) overrides.clsWidths = m.clsWidths;
  if (m.groups !== undefined) overrides.groups = m.groups;
  return presetConfig(m.preset, overrides);
}

/**
 * Resolves the network configuration, turning the network's RangeError into a ConfigError that
 * names the `model` section.
 * @throws ConfigError when sizes, widths or strides do not fit together.
 */
export function resolveNetworkConfig(c: Pick<TrainConfig, 'model'>, source = 'config'): ResolvedConfig {
  let r: ResolvedConfig;
  try {
    r = resolveConfig(networkConfig(c));
  } catch (err) {
    throw new ConfigError(source, [`model: ${(err as Error).message}`]);
  }
  // patches are cut from the whole-scan grid; the preset's sizes count too
  const problems: string[] = [];
  for (const [field, size] of [
    ['wholeSize', r.wholeSize],
    ['patchSize', r.patchSize],
  ] as const)
    if (size.some((n) => n < MIN_SCAN_AXIS || n > MAX_SCAN_AXIS))
      problems.push(
        `model.${field}: got [${size.join(', ')}]; every axis must be from ${MIN_SCAN_AXIS} (the network's smallest input: its first level halves each axis) to ${MAX_SCAN_AXIS} voxels`,
      );
  if (r.patchSize.some((n, a) => n > (r.wholeSize[a] as number)))
    problems.push(
      `model.patchSize: [${r.patchSize.join(', ')}] does not fit in model.wholeSize [${r.wholeSize.join(', ')}] (patches are cut from the whole-scan grid): make every axis <= the whole size's`,
    );
  if (problems.length) throw new ConfigError(source, problems);
  return r;
}

/**
 * The optimizer of a training configuration: two parameter groups, the lesion subnet and the
 * cross-stitch units at `segmentationLr`, everything else at `lr` (the paper's split).
 * Group 0 is the segmentation group, group 1 the rest; `classification-only` has one group.
 */
export function optimizerConfig(c: Pick<TrainConfig, 'optimizer' | 'model'>): OptimizerConfig {
  const o = c.optimizer;
  const seg = (n: string) => n.startsWith('lesion.') || n.startsWith('cross_stitch.');
  // classification-only has no lesion subnet: one group, at `lr`
  const groups = c.model.variant === 'classification-only' ? [] : [{ params: seg, lr: o.segmentationLr }];
  const common = {
    lr: o.lr,
    weightDecay: o.weightDecay,
    ...(o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {}),
  };
  if (o.kind === 'sgd') return { kind: 'sgd', ...common, momentum: o.momentum, groups };
  return { kind: o.kind, ...common, betas: o.betas, groups };
}

/** Base learning rate of each optimizer group, in group order (what the schedule multiplies). */
export function baseLearningRates(c: Pick<TrainConfig, 'optimizer' | 'model'>): number[] {
  return c.model.variant === 'classification-only'
    ? [c.optimizer.lr]
    : [c.optimizer.segmentationLr, c.optimizer.lr];
}
