/**
 * conv3d's TF32 / bf16 tensor-core kernels (src/cuda/conv3d_lowp.cuh) without a GPU: the
 * kernels compile for sm_90 (check:cu), and their host emulation (test/cuda_emu/conv3d_lowp.cu:
 * the kernel's own phases, fragment loads and rounding, on a table of convolutions) stays
 * within the precision's error bound against float64, shows the rounding, writes every output
 * and is deterministic. Both need nvcc on PATH (skipped with the reason otherwise); the GPU
 * side is test/cuda_emu/gpu/conv3d_lowp_gpu.cu (conv3d-lowp-gpu.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'conv3d-lowp-emu-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nvcc = process.env.CUDACXX || 'nvcc';
const haveNvcc = spawnSync(nvcc, ['--version']).status === 0;

describe.skipIf(!haveNvcc)(
  haveNvcc ? 'conv3d TF32 / bf16 kernels' : 'SKIPPED (no nvcc on PATH): conv3d TF32 / bf16 kernels',
  () => {
    it('compile for sm_90 with the engine flags', () => {
      const r = spawnSync(
        process.execPath,
        [join(nativeDir, 'scripts', 'check-cu.mjs'), 'src/cuda/conv3d_lowp.cu'],
        {
          cwd: nativeDir,
          encoding: 'utf8',
          env: { ...process.env, INIT_CWD: nativeDir, TMPDIR: scratch },
        },
      );
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('ok   ');
    }, 120_000);

    it('emulated on the host: within the error bound, rounded, every output written, deterministic', () => {
      const bin = join(scratch, 'conv3d_lowp');
      const build = spawnSync(
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
        { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch } },
      );
      expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
      const r = spawnSync(bin, ['--quick'], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(out).not.toContain('FAIL');
      expect(out).toMatch(/^216 runs; worst error \/ bound: tf32 0\.\d+, bf16 0\.\d+$/m);
      expect(out).toContain('all OK');
    }, 180_000);
  },
);
