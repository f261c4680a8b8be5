/**
 * What a resume compares: the leaf fields of two resolved model configurations, and a loaded
 * checkpoint's position against this configuration (refusals naming the field; notices for
 * another device or another number of processes). The refusals of another model and of another
 * configuration of it, on real checkpoints, are in model-stack.test.ts and the CLI's tests.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type CheckpointState,
  checkResumeState,
  configDifferences,
  resolveTrainConfig,
} from '../src/index.js';

describe('configDifferences', () => {
  it.each([
    ['equal', { a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, []],
    ['a scalar', { a: 1 }, { a: 2 }, [{ field: 'a', a: 1, b: 2 }]],
    ['an array is a leaf', { s: [1, 2, 3] }, { s: [1, 2, 4] }, [{ field: 's', a: [1, 2, 3], b: [1, 2, 4] }]],
    [
      'nested',
      { network: { stemWidth: 4, widths: [8] }, loss: {} },
      { network: { stemWidth: 8, widths: [8] }, loss: {} },
      [{ field: 'network.stemWidth', a: 4, b: 8 }],
    ],
    ['a field on one side only', { a: 1 }, { a: 1, b: 2 }, [{ field: 'b', a: undefined, b: 2 }]],
    ['two values that are not objects', 3, 4, [{ field: '(model)', a: 3, b: 4 }]],
  ])('%s', (_, a, b, want) => {
    expect(configDifferences(a, b)).toEqual(want);
  });
});

describe('checkResumeState', () => {
  const config = resolveTrainConfig(
    { seed: 3, data: { manifest: 'm.json' }, training: { accumulate: 2, stepsPerEpoch: 5 } },
    { baseDir: '/r' },
  );
  const state = (change: (c: typeof config) => void = () => {}, extra: Partial<CheckpointState> = {}) => {
    const c = structuredClone(config);
    change(c);
    return { config: c, manifestSha256: 'a'.repeat(64), ...extra } as CheckpointState;
  };
  const check = (s: CheckpointState, force = false, worldSize = 1) => {
    const notices: string[] = [];
    checkResumeState('/r/ck', s, {
      config,
      manifestSha256: 'a'.repeat(64),
      worldSize,
      force,
      notice: (m) => void notices.push(m),
    });
    return notices;
  };

  it('the same run resumes silently', () => {
    expect(check(state())).toEqual([]);
  });

  it.each([
    [
      'another seed',
      state((c) => {
        c.seed = 4;
      }),
      /seed or data\.split differ from the checkpoint's \(seed 4/,
    ],
    [
      'another split',
      state((c) => {
        c.data.split.seed = 9;
      }),
      /seed or data\.split differ/,
    ],
    [
      'another accumulate',
      state((c) => {
        c.training.accumulate = 1;
      }),
      /training\.accumulate or training\.stepsPerEpoch differ from the checkpoint's \(accumulate 1, stepsPerEpoch 5\)/,
    ],
    [
      'another stepsPerEpoch',
      state((c) => void delete (c.training as { stepsPerEpoch?: number }).stepsPerEpoch),
      /\(accumulate 2, stepsPerEpoch default\)/,
    ],
    [
      'another manifest',
      state(undefined, { manifestSha256: 'b'.repeat(64) }),
      /the manifest \/r\/m\.json changed since the run started \(SHA-256 bbbbbbbbbbbb\.\.\. then, aaaaaaaaaaaa\.\.\. now\): .*resume with --force/,
    ],
  ])('refuses %s, naming it', (_, s, message) => {
    expect(() => check(s)).toThrow(CheckpointError);
    expect(() => check(s)).toThrow(message);
  });

  it.each([
    [
      'a forced manifest change',
      state(undefined, { manifestSha256: 'b'.repeat(64) }),
      true,
      1,
      /^warning: the manifest .* resuming anyway \(force\)$/,
    ],
    [
      'another device',
      state(undefined, { device: 'cuda' }),
      false,
      1,
      /^resuming a checkpoint trained on cuda on cpu: /,
    ],
    [
      'another number of processes',
      state(undefined, { worldSize: 2 }),
      false,
      1,
      /^resuming a checkpoint trained by 2 processes with 1: /,
    ],
  ])('says %s and resumes', (_, s, force, worldSize, message) => {
    const notices = check(s, force, worldSize);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(message);
  });
});
