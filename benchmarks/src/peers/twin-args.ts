/**
 * The arguments of the PyTorch twin's training-step script (benchmarks/peers/
 * deepsc_train_step_torch.py) for one DeepSC-COVID configuration, shared by the CPU and the GPU
 * training-step benchmarks.
 * @module
 */
import type { DeepScCovidConfig } from '@deepsc/deepsc-covid';

/** The twin's sizes and widths from `config`, with the run's threads and step counts. */
export function twinStepArgs(config: DeepScCovidConfig, threads: number, warmup: number, steps: number) {
  return {
    whole: config.wholeSize,
    patch: config.patchSize,
    stem: config.stemWidth,
    unet: config.unetWidths,
    cls: config.clsWidths,
    groups: config.groups,
    threads,
    warmup,
    steps,
  };
}
