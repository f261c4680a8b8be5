/** The exit code and message of each training error (train-errors.ts), as a table. */
import { FormatError, ManifestError } from '@deepsc/io';
import {
  CheckpointError,
  ConfigError,
  DivergedError,
  RunFolderConflictError,
  RunLockedError,
  RunWriteError,
} from '@deepsc/train';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../src/errors.js';
import { asTrainError } from '../src/train-errors.js';

const sys = (code: string, path?: string) =>
  Object.assign(new Error(`${code}: something, write`), { code, ...(path ? { path } : {}) });
const at = { epoch: 0, stepInEpoch: 2, step: 2 };

describe('asTrainError', () => {
  it.each([
    [
      'a config error',
      new ConfigError('t.json', ['seed: bad']),
      ExitCode.usage,
      'invalid configuration in t.json',
    ],
    [
      'a locked run folder',
      new RunLockedError('/r', undefined, 'locked by deepsc train (PID 1 on h)'),
      ExitCode.usage,
      'run folder /r is in use: locked by deepsc train (PID 1 on h)',
    ],
    [
      'a run folder conflict',
      new RunFolderConflictError('/r', 'holds x'),
      ExitCode.usage,
      'run folder /r: holds x',
    ],
    ['a damaged checkpoint', new CheckpointError('/c', 'torn'), ExitCode.data, 'checkpoint /c: torn'],
    ['a manifest error', new ManifestError('/m.json', 2, 'image', 'bad row'), ExitCode.data, 'bad row'],
    ['a format error', new FormatError('nifti', 'x.nii: cut short'), ExitCode.data, 'x.nii: cut short'],
    [
      'a diverged run',
      new DivergedError(at, 'parameters', ['a.w', 'b.w'], 'after the optimizer step'),
      ExitCode.data,
      "training diverged at epoch 1, step 2 (step 2 in all): the parameters hold NaN or infinite values ('a.w', 'b.w'); after the optimizer step",
    ],
    [
      'a full disk under a checkpoint',
      new RunWriteError('/r/checkpoints/last', sys('ENOSPC')),
      ExitCode.io,
      'cannot write /r/checkpoints/last: no space left on the device (ENOSPC)',
    ],
    [
      'a read-only metrics log',
      new RunWriteError('/r/metrics.jsonl', sys('EROFS')),
      ExitCode.io,
      'cannot write /r/metrics.jsonl: read-only file system (EROFS)',
    ],
    [
      'another refused run-folder write, with its own words',
      new RunWriteError('/r/run.json', sys('ENOENT')),
      ExitCode.io,
      'cannot write /r/run.json: ENOENT',
    ],
    [
      'a full disk anywhere else in the run (the scan cache), with its path',
      sys('ENOSPC', '/r/cache/k.bin'),
      ExitCode.io,
      'cannot write /r/cache/k.bin: no space left on the device (ENOSPC)',
    ],
    ['a missing input file', sys('ENOENT', '/in.nii'), ExitCode.data, 'ENOENT: something'],
  ] as const)('%s', (_w, err, code, message) => {
    const got = asTrainError(err);
    expect(got).toBeInstanceOf(CliError);
    expect((got as CliError).code).toBe(code);
    expect((got as CliError).message).toContain(message);
  });

  it('leaves anything else as it is (a bug: exit 1 with --verbose details)', () => {
    const bug = new TypeError('x is undefined');
    expect(asTrainError(bug)).toBe(bug);
    const noPath = sys('ENOSPC');
    expect(asTrainError(noPath)).toBe(noPath);
  });
});
