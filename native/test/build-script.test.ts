// `npx deepsc-build-native`'s options: the ones that stop before anything is built, with their
// exit codes (0 done, 2 usage) and messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/build-addon.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'deepsc-build-script-'));
const existing = join(dir, 'built.node');
writeFileSync(existing, 'not rebuilt');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DEEPSC_CUDA|DEEPSC_CUDA_ARCHS|CUDAARCHS)$/.test(k)),
  );
  return spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 30_000,
  });
}

describe('deepsc-build-native options', () => {
  it.each<{ args: string[]; env?: Record<string, string>; code: number; err: string }>([
    {
      args: ['--cuda', 'maybe'],
      code: 2,
      err: '--cuda must be auto, on or off (DEEPSC_CUDA: auto, 1 or 0), not "maybe"',
    },
    { args: [], env: { DEEPSC_CUDA: 'yes' }, code: 2, err: 'not "yes"' },
    { args: ['--cpu-only', '--cuda', 'on'], code: 2, err: '--cpu-only and --cuda on contradict each other' },
    { args: ['--cuda-archs', 'sm_80'], code: 2, err: '--cuda-archs: "sm_80" is not a CUDA architecture' },
    {
      args: ['--cpu-only'],
      env: { DEEPSC_CUDA_ARCHS: '80;compute_90' },
      code: 2,
      err: '"compute_90" is not a CUDA architecture',
    },
    { args: ['--cuda-archs', ' ; '], code: 2, err: 'the CUDA architecture list is empty' },
    { args: ['--frobnicate'], code: 2, err: "Unknown option '--frobnicate'" },
    { args: ['--if-missing', '--out', existing], code: 0, err: '' },
  ])('$args $env -> exit $code', ({ args, env, code, err }) => {
    const r = build(args, env);
    expect(r.status, r.stderr).toBe(code);
    if (err) expect(r.stderr).toContain(err);
    else expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('building the engine');
  });

  it('--help lists the CPU-only switch, the CUDA modes and architectures', () => {
    const r = build(['--help']);
    expect(r.status).toBe(0);
    for (const s of [
      '--cpu-only',
      '--cuda auto|on|off',
      '--cuda-archs LIST',
      'DEEPSC_CUDA_ARCHS',
      'CUDAARCHS',
    ])
      expect(r.stdout).toContain(s);
  });
});
