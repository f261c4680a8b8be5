/**
 * The precision a training run asks for (`training.precision`): checked before anything is
 * written, by the engine's own rule (`compile`'s `precision` on `training.device`: fp32
 * everywhere; tf32 and bf16 on CUDA only in an engine built with DEEPSC_CUDA_LOWP, never on the
 * CPU; docs/architecture.md, "Precision").
 * @module
 */
import { type CompileOptions, type Device, GraphBuilder } from '@deepsc/core';
import { ConfigError } from './config/config-error.js';

/** A precision of `training.precision`. */
export type TrainingPrecision = NonNullable<CompileOptions['precision']>;

/**
 * Checks that the engine computes in `precision` on `device`, by compiling a one-op graph with
 * them (the engine's precision rule, not a copy of it). Call after `checkTrainingDevice`.
 * @param source - where the configuration came from, for the message; default `config`.
 * @throws ConfigError naming `training.precision` and the device, with the engine's reason
 *   (the CPU computes in fp32 only; this engine's CUDA kernels in tf32 / bf16 await checks on
 *   a GPU), for a precision the engine refuses there.
 */
export function checkTrainingPrecision(
  precision: TrainingPrecision,
  device: Device,
  source = 'config',
): void {
  if (precision === 'fp32') return;
  const g = new GraphBuilder();
  g.output('y', g.relu(g.input('x', [1])));
  try {
    g.compile({ device, precision, mode: 'infer' }).dispose();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ConfigError(source, [
      `training.precision: got "${precision}" with training.device "${device}": ${err.message.replace(/^compile: /, '')}`,
    ]);
  }
}
