import { describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const run = runCli;

describe('deepsc info', () => {
  it('prints JSON with the engine version, threads and SIMD level', async () => {
    const r = await run('info', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.deepsc).toBe('0.1.0');
    expect(j.threads).toBeGreaterThanOrEqual(1);
    expect(['avx512', 'avx2', 'portable']).toContain(j.isa);
    expect(Array.isArray(j.cudaDevices)).toBe(true);
  });
  it('exits 2 on an unknown command', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command');
  });
});
