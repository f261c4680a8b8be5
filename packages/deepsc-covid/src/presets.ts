/**
 * Named configurations of DeepSC-COVID. Every field can be overridden.
 * @module
 */
import type { DeepScCovidConfig } from './config.js';

/** Preset names: `paper` (published sizes and widths), `cpu` (demo and tests on 2 cores), `tiny` (gradient checks). */
export type PresetName = 'paper' | 'cpu' | 'tiny';

/** The presets' configurations (variant `joint`, batch 1). */
export const PRESETS: Readonly<Record<PresetName, DeepScCovidConfig>> = {
  paper: {
    wholeSize: [48, 256, 256],
    patchSize: [24, 256, 256],
    stemWidth: 32,
    unetWidths: [32, 64, 128, 256],
    clsWidths: [64, 128, 256],
    lesionWidth: 1,
    groups: 8,
    numClasses: 3,
    batch: 1,
    variant: 'joint',
  },
  cpu: {
    wholeSize: [32, 64, 64],
    patchSize: [16, 64, 64],
    stemWidth: 8,
    unetWidths: [8, 16, 32, 64],
    clsWidths: [16, 32, 64],
    lesionWidth: 1,
    groups: 4,
    numClasses: 3,
    batch: 1,
    variant: 'joint',
  },
  tiny: {
    wholeSize: [8, 8, 8],
    patchSize: [4, 8, 8],
    stemWidth: 4,
    unetWidths: [4, 4, 8, 8],
    clsWidths: [4, 4, 8],
    lesionWidth: 1,
    groups: 2,
    numClasses: 3,
    batch: 1,
    variant: 'joint',
  },
};

/**
 * A preset with overrides applied (not yet validated: see `resolveConfig`).
 * @throws RangeError for an unknown preset name.
 */
export function presetConfig(
  name: PresetName,
  overrides: Partial<DeepScCovidConfig> = {},
): DeepScCovidConfig {
  const base = PRESETS[name];
  if (!base)
    throw new RangeError(`unknown preset '${String(name)}': use one of ${Object.keys(PRESETS).join(', ')}`);
  return { ...base, ...overrides };
}
