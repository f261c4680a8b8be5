/**
 * The arguments of the PyTorch twin's scripts (benchmarks/peers/) for one DeepSC-COVID
 * configuration: its network (every script), and the training step's (deepsc_train_step_torch.py,
 * shared by the CPU and the GPU training-step benchmarks).
 * @module
 */
import type { DeepScCovidConfig } from '@deepsc/deepsc-covid';

/** The twin's sizes and widths from `config` (what every twin script builds its network from). */
export function twinNetworkArgs(config: DeepScCovidConfig) {
  return {
    whole: config.wholeSize,
    patch: config.patchSize,
    stem: config.stemWidth,
    unet: config.unetWidths,
    cls: config.clsWidths,
    groups: config.groups,
  };
}

/** The twin's sizes and widths from `config`, with the run's threads and step counts. */
export function twinStepArgs(config: DeepScCovidConfig, threads: number, warmup: number, steps: number) {
  return { ...twinNetworkArgs(config), threads, warmup, steps };
}
