/**
 * `npm run check:cu -- <file.cu>` (scripts/check-cu.mjs): its refusals need no CUDA toolkit;
 * the compile check itself runs where nvcc is on PATH (skipped with the reason otherwise).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(nativeDir, 'scripts', 'check-cu.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'check-cu-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the script as `node scripts/check-cu.mjs` from `cwd` (no npm, so no INIT_CWD). */
function run(args: string[], env: Record<string, string> = {}, cwd = nativeDir) {
  const { INIT_CWD: _, ...outer } = process.env;
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...outer, TMPDIR: scratch, ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const refusals: { name: string; args: string[]; env: Record<string, string>; fragments: string[] }[] = [
  { name: 'no file', args: [], env: {}, fragments: ['no .cu file given', 'usage:'] },
  {
    name: 'not a .cu file',
    args: ['src/registry.cpp'],
    env: {},
    fragments: ["'src/registry.cpp' is not a .cu file"],
  },
  {
    name: 'a missing file',
    args: ['src/cuda/nope.cu'],
    env: {},
    fragments: ["'src/cuda/nope.cu' not found", 'nope.cu'],
  },
  {
    name: 'a bad --arch',
    args: ['--arch', 'sm90', 'src/cuda/relu.cu'],
    env: {},
    fragments: ["got 'sm90'"],
  },
  {
    name: 'an unknown option',
    args: ['-O3', 'src/cuda/relu.cu'],
    env: {},
    fragments: ["unknown option '-O3'"],
  },
  {
    name: 'no nvcc',
    args: ['src/cuda/relu.cu'],
    env: { CUDACXX: join(scratch, 'no-nvcc') },
    fragments: ['nvcc not found', 'CUDACXX'],
  },
];

describe('check:cu refuses bad usage with exit code 2', () => {
  it.each(refusals)('$name', ({ args, env, fragments }) => {
    const r = run(args, env);
    expect(r.status, r.out).toBe(2);
    for (const f of fragments) expect(r.out).toContain(f);
  });
});

const haveNvcc = spawnSync('nvcc', ['--version']).status === 0;
describe('check:cu compiles', () => {
  it.skipIf(!haveNvcc)(
    haveNvcc
      ? 'an engine kernel passes, a file with a warning fails (exit 1), no object file is left'
      : 'SKIPPED: no nvcc on PATH',
    () => {
      const bad = join(scratch, 'bad.cu');
      writeFileSync(bad, '__global__ void k(float* x) { int unused; x[0] = 1.f; }\n');
      // From the repository root, as the guide's root form runs it.
      const r = run(['native/src/cuda/relu.cu', bad], {}, join(nativeDir, '..'));
      expect(r.status, r.out).toBe(1);
      expect(r.out).toContain(`ok   ${join(nativeDir, 'src', 'cuda', 'relu.cu')} (sm_90`);
      expect(r.out).toContain(`FAIL ${bad}`);
      expect(r.out).toContain('"unused" was declared but never referenced');
      expect(readdirSync(scratch).filter((f) => f.startsWith('deepsc-check-cu-'))).toEqual([]);
    },
    60_000,
  );
});
