import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/program.js';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const l = vi.spyOn(console, 'log').mockImplementation((...s) => void out.push(s.join(' ')));
  const e = vi.spyOn(console, 'error').mockImplementation((...s) => void err.push(s.join(' ')));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err.push(String(s));
    return true;
  });
  try {
    const code = await main(['node', 'deepsc', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    l.mockRestore();
    e.mockRestore();
    se.mockRestore();
  }
}

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
