import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'deepsc-cli-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

describe('deepsc synth', () => {
  it('writes a cohort and prints where', async () => {
    const out = join(tmp, 'c');
    const r = await run(
      'synth',
      '--out',
      out,
      '--n',
      '3',
      '--seed',
      '5',
      '--in-plane',
      '48',
      '--slices',
      '24-26',
      '--workers',
      '0',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.scans).toBe(3);
    expect(j.counts.covid + j.counts.cap + j.counts.normal).toBe(3);
    const manifest = JSON.parse(readFileSync(j.manifestJson, 'utf8'));
    expect(manifest.scans).toHaveLength(3);
    for (const s of manifest.scans) expect(existsSync(join(out, s.image))).toBe(true);
    const text = await run(
      'synth',
      '--out',
      join(tmp, 'd'),
      '--n',
      '1',
      '--in-plane',
      '48',
      '--slices',
      '24-24',
      '--workers',
      '0',
    );
    expect(text.out).toMatch(/wrote 1 scans .* to .*d in/);
  });
  it.each([
    [['--n', '0'], /--n must be an integer in 1\.\.100000, got '0'/],
    [['--n', '1e12'], /--n must be an integer in 1\.\.100000, got '1e12'/],
    [['--n', '2.5'], /--n must be an integer in 1\.\.100000/],
    [['--slices', '16-100000'], /hi <= 512/],
    [['--in-plane', '4096'], /--in-plane must be an integer in 32\.\.512/],
    [['--workers', '100000'], /--workers must be an integer in 0\.\.64/],
    [['--slices', '10'], /--slices must look like 64-96/],
    [['--slices', '40-20'], /lo <= hi/],
    [['--atypical', '1.5'], /--atypical/],
    [['--in-plane', '8'], /--in-plane/],
  ])('%j exits 2 with a message', async (args, msg) => {
    const r = await run('synth', '--out', join(tmp, 'bad'), ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
  });
  it('requires --out', async () => {
    const r = await run('synth', '--n', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out/);
  });
});
