/**
 * Random inputs for one DeepSC-COVID training step, as the step benchmarks (train-step.ts,
 * memory.ts, train-distributed.ts) feed it: a whole scan and a patch of uniform noise in [-1, 1),
 * a lesion mask of the patch's voxels above 0.6 in another noise draw (about 20% lesion), the
 * patch's region in the middle half of the whole scan's slices, and label 1.
 * @module
 */
import { Tensor } from '@deepsc/core';
import type { DeepScCovidConfig, trainingStep } from '@deepsc/deepsc-covid';

/** The batch {@link trainingStep} takes. */
export type StepInputs = Parameters<typeof trainingStep>[1];

/** Random step inputs at the sizes of `config` (Math.random: the values do not matter to the timing). */
export function randomStepInputs(config: Pick<DeepScCovidConfig, 'wholeSize' | 'patchSize'>): StepInputs {
  const rand = (shape: number[]) =>
    Tensor.from(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() * 2 - 1),
      shape,
    );
  const whole = rand([1, 1, ...config.wholeSize]);
  const patch = rand([1, 1, ...config.patchSize]);
  const lesionMask = rand([1, 1, ...config.patchSize]);
  for (let i = 0; i < lesionMask.data.length; i++)
    lesionMask.data[i] = (lesionMask.data[i] as number) > 0.6 ? 1 : 0;
  const d = config.wholeSize[0];
  const region = {
    lo: [d / 4, 0, 0] as const,
    hi: [d / 4 + d / 2, config.wholeSize[1], config.wholeSize[2]] as const,
  };
  return { whole, patch, region, labels: [1], lesionMask };
}
