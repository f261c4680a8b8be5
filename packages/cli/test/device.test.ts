/**
 * `training.device` from the command line: a device that is not `cpu` / `cuda` is a usage error
 * (exit 2) naming the field, and `cuda` where the engine has no CUDA build or sees no GPU stops
 * `deepsc train` and `deepsc demo` with exit 2 and the reason before anything is read or written
 * (what a machine without a GPU does; on a GPU those cases skip).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cudaAvailable } from '@deepsc/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const haveGpu = cudaAvailable();
const UNAVAILABLE =
  /training\.device: got "cuda"; device 'cuda' is not available: (this engine was built without CUDA|no GPU is visible); use 'cpu'/;

let dir: string;
/** A config whose manifest does not exist: a device error must come first (a manifest error would exit 3). */
const writeConfig = async (name: string, training: Record<string, unknown> = {}) => {
  const p = join(dir, name);
  await writeFile(
    p,
    JSON.stringify({
      out: `run-${name}`,
      model: { preset: 'tiny' },
      data: { manifest: 'missing.json' },
      training,
    }),
  );
  return p;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-cli-device-'));
});

describe('training.device on the command line', () => {
  it.each([
    ['--set', ['--set', 'training.device=gpu'], {}, 'gpu'],
    ['the file', [], { device: 'GPU' }, 'GPU'],
  ])('train with an unknown device from %s exits 2 naming the field', async (_from, extra, training, got) => {
    const config = await writeConfig(`unknown-${got}.json`, training);
    const r = await runCli('train', '--config', config, '--progress', 'off', ...extra);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`training.device: got "${got}"; allowed: "cpu", "cuda"`);
  });

  it.each([
    ['an unknown device', ['--device', 'tpu'], /--device must be cpu or cuda, got 'tpu'/],
    [
      'an unknown device from --set',
      ['--set', 'training.device=tpu'],
      /training\.device: got "tpu"; allowed: "cpu", "cuda"/,
    ],
  ])('demo with %s exits 2 before generating the cohort', async (_what, extra, message) => {
    const out = join(dir, `demo-${extra.join('-').replace(/\W/g, '_')}`);
    const r = await runCli('demo', '--out', out, '--progress', 'off', ...extra);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(existsSync(join(out, 'cohort'))).toBe(false);
  });
});

describe.skipIf(haveGpu)(
  haveGpu
    ? 'cuda asked for without CUDA: SKIPPED: a GPU is visible'
    : 'cuda asked for without CUDA (this machine: no CUDA build or no GPU)',
  () => {
    it.each([
      ['--set training.device=cuda', ['--set', 'training.device=cuda'], {}],
      ['training.device cuda in the file', [], { device: 'cuda' }],
    ])('train with %s exits 2 with the reason, writing nothing', async (what, extra, training) => {
      const name = `cuda-${what.replace(/\W/g, '_')}.json`;
      const config = await writeConfig(name, training);
      const r = await runCli('train', '--config', config, '--progress', 'off', ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(UNAVAILABLE);
      expect(r.err).toContain(`invalid configuration in ${config}`);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack without --verbose
      expect(existsSync(join(dir, `run-${name}`))).toBe(false);
    });

    it.each([
      ['--device cuda', ['--device', 'cuda']],
      ['--set training.device=cuda', ['--set', 'training.device=cuda']],
    ])('demo with %s exits 2 with the reason before generating the cohort', async (what, extra) => {
      const out = join(dir, `demo-${what.replace(/\W/g, '_')}`);
      const r = await runCli('demo', '--out', out, '--progress', 'off', ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(UNAVAILABLE);
      expect(existsSync(join(out, 'cohort'))).toBe(false);
    });
  },
);
