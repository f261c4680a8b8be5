/**
 * conv3d's TF32 / bf16 tensor-core kernels (src/cuda/conv3d_lowp.cuh) without a GPU: the
 * kernels compile for sm_90 (check:cu), and their host emulation (test/cuda_emu/conv3d_lowp.cu:
 * the kernel's own phases, fragment loads and rounding, on a table of convolutions) stays
 * within the precision's error bound against float64, shows the rounding, writes every output
 * and is deterministic. Both need nvcc on PATH (skipped with the reason otherwise); the GPU
 * side is test/cuda_emu/gpu/conv3d_lowp_gpu.cu (conv3d-lowp-gpu.test.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'conv3d-lowp-emu-'));

const nvcc = process.env.CUDACXX || 'nvcc';
const haveNvcc = spawnSync(nvcc, ['--version']).status === 0;

/** What a command exited with and printed (stdout, then stderr as it came). */
interface Ran {
  status: number | null;
  out: string;
}

/** Runs a command without blocking (so two can run at once). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    child.on('error', (err) => resolve({ status: null, out: `${out}${err.message}` }));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/**
 * The two nvcc compiles (the kernel file for sm_90, the emulation for the host) share nothing,
 * so both start when the suite does and run side by side (about 12 s less on 2 cores than one
 * after the other); each test awaits its own.
 */
let compileCheck: Promise<Ran> | undefined;
let emulation: Promise<{ build: Ran; exec?: Ran }> | undefined;
afterAll(async () => {
  await Promise.all([compileCheck, emulation]); // a test filtered out still compiles into scratch
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!haveNvcc)(
  haveNvcc ? 'conv3d TF32 / bf16 kernels' : 'SKIPPED (no nvcc on PATH): conv3d TF32 / bf16 kernels',
  () => {
    beforeAll(() => {
      compileCheck = run(
        process.execPath,
        [join(nativeDir, 'scripts', 'check-cu.mjs'), 'src/cuda/conv3d_lowp.cu'],
        { ...process.env, INIT_CWD: nativeDir, TMPDIR: scratch },
        nativeDir,
      );
      const bin = join(scratch, 'conv3d_lowp');
      emulation = run(
        nvcc,
        [
          '-std=c++20',
          '--expt-relaxed-constexpr',
          '-DDEEPSC_HAVE_CUDA=1',
          `-I${join(nativeDir, 'include')}`,
          `-I${join(nativeDir, 'src')}`,
          '-O2',
          '-arch=sm_90',
          join(nativeDir, 'test', 'cuda_emu', 'conv3d_lowp.cu'),
          '-o',
          bin,
        ],
        { ...process.env, TMPDIR: scratch },
      ).then(async (build) => ({
        build,
        exec: build.status === 0 ? await run(bin, ['--quick']) : undefined,
      }));
    });

    it('compile for sm_90 with the engine flags', async () => {
      const r = await compileCheck;
      expect(r?.status, r?.out).toBe(0);
      expect(r?.out).toContain('ok   ');
    }, 120_000);

    it('emulated on the host: within the error bound, rounded, every output written, deterministic', async () => {
      const ran = await emulation;
      expect(ran?.build.status, ran?.build.out).toBe(0);
      const exec = ran?.exec;
      const out = exec?.out ?? '';
      expect(exec?.status, out).toBe(0);
      expect(out).not.toContain('FAIL');
      expect(out).toMatch(/^216 runs; worst error \/ bound: tf32 0\.\d+, bf16 0\.\d+$/m);
      expect(out).toContain('all OK');
    }, 180_000);
  },
);
