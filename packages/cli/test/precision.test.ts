/**
 * `training.precision` from the command line: fp32 trains on the CPU (the run gets past the
 * precision check to the data: a missing manifest, exit 3); tf32 and bf16 on the CPU stop
 * `deepsc train` with exit 2 naming the field, the device and the reason before anything is
 * written, naming the configuration file; a value that is not a precision is a usage error
 * (exit 2) naming the allowed ones.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-precision-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('training.precision on the command line (device cpu)', () => {
  it.each([
    ['fp32 (default)', {}, [], 3, /ENOENT.*missing\.json/],
    ['fp32 from --set', {}, ['--set', 'training.precision=fp32'], 3, /ENOENT.*missing\.json/],
    [
      'tf32 from the file',
      { precision: 'tf32' },
      [],
      2,
      /training\.precision: got "tf32" with training\.device "cpu": precision 'tf32' is not available on device 'cpu': the CPU kernels compute in fp32 only/,
    ],
    [
      'bf16 from --set',
      {},
      ['--set', 'training.precision=bf16'],
      2,
      /training\.precision: got "bf16" with training\.device "cpu": .*use precision 'fp32'/,
    ],
    [
      'a misspelt value',
      { precision: 'bf61' },
      [],
      2,
      /training\.precision: got "bf61"; allowed: "fp32", "tf32", "bf16"/,
    ],
  ] as const)('%s: exit %i', async (what, training, extra, code, message) => {
    const name = what.replace(/\W/g, '_');
    const config = join(dir, `${name}.json`);
    const out = join(dir, `run-${name}`);
    // the manifest does not exist: a precision refusal must come before the data is read
    await writeFile(
      config,
      JSON.stringify({ out, model: { preset: 'tiny' }, data: { manifest: 'missing.json' }, training }),
    );
    const r = await runCli('train', '--config', config, '--progress', 'off', ...extra);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(code);
    if (code === 2) {
      expect(existsSync(out)).toBe(false);
      // the message names the configuration file the value came from
      expect(r.err).toContain(config);
    }
  });
});
