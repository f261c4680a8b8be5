/**
 * `training.precision`: the schema takes `fp32` (the default), `tf32` and `bf16` and refuses
 * other values naming the field; whether the engine computes in a precision on the run's device
 * is the engine's rule, asked by checkTrainingPrecision (fp32 everywhere, tf32 / bf16 never on
 * the CPU, on CUDA only in an engine built with DEEPSC_CUDA_LOWP), and train() refuses a precision
 * the engine does not take before anything is read or written. (The GPU side:
 * packages/deepsc-covid/test/model-cuda-precision.test.ts.)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkTrainingPrecision,
  resolveTrainConfig,
  resolveTrainingModel,
  train,
} from '../src/index.js';

const base = { data: { manifest: 'm.json' } };

const problems = (input: unknown, overrides: string[] = []) => {
  try {
    resolveTrainConfig(input, { overrides });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a ConfigError');
};

describe('training.precision in the configuration', () => {
  it.each([
    ['the default', base, [], 'fp32'],
    ['fp32 from the file', { ...base, training: { precision: 'fp32' } }, [], 'fp32'],
    ['fp32 as an override', base, ['training.precision=fp32'], 'fp32'],
    ['tf32 from the file', { ...base, training: { precision: 'tf32' } }, [], 'tf32'],
    ['bf16 as an override', base, ['training.precision=bf16'], 'bf16'],
  ] as const)('takes %s', (_what, input, overrides, want) => {
    expect(resolveTrainConfig(input, { overrides: [...overrides] }).training.precision).toBe(want);
  });

  it.each([
    [
      'an unknown name',
      { ...base, training: { precision: 'fp16' } },
      [],
      'training.precision: got "fp16"; allowed: "fp32", "tf32", "bf16"',
    ],
    ['upper case', base, ['training.precision=BF16'], 'training.precision: got "BF16"; allowed'],
    ['a number', { ...base, training: { precision: 16 } }, [], 'training.precision: got 16; allowed'],
    ['a misspelt field', { ...base, training: { precison: 'bf16' } }, [], 'precison'],
  ] as const)('refuses %s naming the field', (_what, input, overrides, message) => {
    expect(problems(input, [...overrides])).toContain(message);
  });
});

describe('checkTrainingPrecision (the engine decides)', () => {
  it('takes fp32 on the CPU', () => {
    expect(() => checkTrainingPrecision('fp32', 'cpu')).not.toThrow();
  });

  it.each(['tf32', 'bf16'] as const)(
    'refuses %s on the CPU naming the field, the device and the reason',
    (p) => {
      let err: unknown;
      try {
        checkTrainingPrecision(p, 'cpu', 'train.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.message).toContain('invalid configuration in train.json');
      expect(e.problems).toEqual([
        `training.precision: got "${p}" with training.device "cpu": precision '${p}' is not available on device 'cpu': the CPU kernels compute in fp32 only; use precision 'fp32'`,
      ]);
    },
  );
});

describe('train() with a precision the engine refuses', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deepsc-train-precision-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['tf32', 'bf16'] as const)(
    '%s on the CPU: a ConfigError before anything is read or written',
    async (p) => {
      const out = join(dir, `run-${p}`);
      // the manifest does not exist: a data error (exit 3) would mean the precision was checked too late
      const config = resolveTrainConfig({
        out,
        data: { manifest: join(dir, 'missing.json') },
        training: { precision: p },
      });
      await expect(train(config, { progress: { style: 'off' } })).rejects.toThrow(
        new RegExp(`training\\.precision: got "${p}" with training\\.device "cpu"`),
      );
      await expect(train(config, { progress: { style: 'off' } })).rejects.toBeInstanceOf(ConfigError);
      expect(existsSync(out)).toBe(false);
    },
  );
});

describe('spec.create passes precision to the compile (both models, tiny presets, on the CPU)', () => {
  it.each(['deepsc-covid', 'unet3d'])(
    '%s: fp32 compiles and is reported; tf32 reaches the engine',
    async (name) => {
      const m = await resolveTrainingModel(
        resolveTrainConfig({
          data: { manifest: 'm.json' },
          model: { name, preset: 'tiny' },
          training: { bestMetric: 'dice' },
        }),
      );
      const options = { seed: 1, mode: 'train', device: 'cpu' } as const;
      const net = m.spec.create(m.config, { ...options, precision: 'fp32' });
      try {
        expect(net.model.precision).toBe('fp32');
      } finally {
        net.model.dispose();
      }
      // the engine's refusal proves the option arrived (a spec that dropped it would compile in fp32)
      expect(() => m.spec.create(m.config, { ...options, precision: 'tf32' })).toThrow(
        /precision 'tf32' is not available on device 'cpu'/,
      );
    },
  );
});
