/**
 * Named training configurations. A config file with `"preset": "demo"` starts from the demo's
 * values; its own fields, then command-line overrides, are applied over them.
 * @module
 */
import type { TrainConfigInput } from './schema.js';

/** Preset names. */
export type TrainPresetName = 'demo' | 'cpu' | 'paper';

/** A preset: every section but the data's manifest. */
export type TrainPreset = Omit<TrainConfigInput, 'data'> & { data?: Partial<TrainConfigInput['data']> };

/**
 * - `paper`: the published recipe: the paper-sized network, Adam 2e-3 / 5e-3, halving every 20
 *   epochs, 300 epochs, batch 1. Needs a GPU-class budget.
 * - `cpu`: the CPU-sized network, 40 epochs with a cosine schedule: a useful model on 2 cores in
 *   about an hour on a 60-scan cohort.
 * - `demo`: what `deepsc demo` trains: the CPU-sized network for a few minutes on 2 cores.
 */
export const TRAIN_PRESETS: Readonly<Record<TrainPresetName, TrainPreset>> = {
  paper: {
    model: { preset: 'paper', variant: 'joint' },
    optimizer: { kind: 'adam', lr: 2e-3, segmentationLr: 5e-3 },
    schedule: { kind: 'step', stepEpochs: 20, gamma: 0.5 },
    training: { epochs: 300, validateEvery: 5, bestMetric: 'accuracy', checkpointEvery: 5 },
  },
  cpu: {
    model: { preset: 'cpu', variant: 'joint' },
    optimizer: { kind: 'adam', lr: 2e-3, segmentationLr: 5e-3 },
    schedule: { kind: 'cosine', minFactor: 0.05 },
    training: { epochs: 40, validateEvery: 2, bestMetric: 'accuracy' },
  },
  demo: {
    model: { preset: 'cpu', variant: 'joint' },
    optimizer: { kind: 'adam', lr: 2e-3, segmentationLr: 5e-3 },
    schedule: { kind: 'cosine', minFactor: 0.05, warmupEpochs: 0.5 },
    training: { epochs: 14, validateEvery: 0, bestMetric: 'accuracy', checkpointEvery: 7 },
  },
};
