/**
 * `training.precision`: `fp32` by default and as given; `tf32` and `bf16` refused with a line
 * naming the field until the engine runs them (docs/training.md); other values list the allowed.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveTrainConfig } from '../src/index.js';

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

describe('training.precision', () => {
  it.each([
    ['the default', base, []],
    ['from the file', { ...base, training: { precision: 'fp32' } }, []],
    ['as an override', base, ['training.precision=fp32']],
  ] as const)('fp32: %s', (_what, input, overrides) => {
    expect(resolveTrainConfig(input, { overrides: [...overrides] }).training.precision).toBe('fp32');
  });

  it.each([
    [
      'tf32',
      { ...base, training: { precision: 'tf32' } },
      [],
      'training.precision: not available in this version',
    ],
    [
      'bf16 as an override',
      base,
      ['training.precision=bf16'],
      'training.precision: not available in this version',
    ],
    [
      'an unknown name',
      { ...base, training: { precision: 'fp16' } },
      [],
      'training.precision: got "fp16"; allowed: "fp32", "tf32", "bf16"',
    ],
    ['a number', { ...base, training: { precision: 16 } }, [], 'training.precision: got 16; allowed'],
  ] as const)('refuses %s naming the field', (_what, input, overrides, message) => {
    const p = problems(input, [...overrides]);
    expect(p).toContain(message);
    if (message.includes('not available')) expect(p).toContain('use "fp32"');
  });
});
