/**
 * conv3d's TF32 / bf16 tensor-core kernels on a GPU (test/cuda_emu/gpu/conv3d_lowp_gpu.cu,
 * `check` mode): the device roundings bit for bit against deepsc/precision.h's host path, and
 * each pass, precision, tiling and split count of a table of convolutions within the
 * precision's bound of float64, within the tensor cores' per-step error of the host emulation, every
 * output written, bitwise the same on a second run. Needs nvcc and an NVIDIA GPU (sm_80 or
 * newer); SKIPPED without them, unless DEEPSC_REQUIRE_CUDA=1 (benchmarks/gpu/run.sh), which
 * makes a missing GPU or nvcc a failure. Not yet run on a GPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const nvcc = process.env.CUDACXX || 'nvcc';
const haveNvcc = spawnSync(nvcc, ['--version']).status === 0;
const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
const haveGpu = smi.status === 0 && /GPU \d+:/.test(smi.stdout ?? '');
const requireGpu = process.env.DEEPSC_REQUIRE_CUDA === '1';
const run = (haveNvcc && haveGpu) || requireGpu;
const why = !haveNvcc ? 'no nvcc on PATH' : 'no NVIDIA GPU visible (nvidia-smi -L)';

describe.skipIf(!run)(
  run ? 'conv3d TF32 / bf16 kernels on the GPU' : `SKIPPED (${why}): conv3d TF32 / bf16 kernels on the GPU`,
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'conv3d-lowp-gpu-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('agree with the host emulation and float64, deterministically', () => {
      expect(haveNvcc, 'DEEPSC_REQUIRE_CUDA=1 but nvcc is not on PATH').toBe(true);
      expect(haveGpu, 'DEEPSC_REQUIRE_CUDA=1 but nvidia-smi -L lists no GPU').toBe(true);
      const bin = join(scratch, 'conv3d_lowp_gpu');
      const build = spawnSync(
        nvcc,
        [
          '-std=c++20',
          '--expt-relaxed-constexpr',
          '-DDEEPSC_HAVE_CUDA=1',
          `-I${join(nativeDir, 'include')}`,
          `-I${join(nativeDir, 'src')}`,
          '-O2',
          '-arch=native',
          join(nativeDir, 'test', 'cuda_emu', 'gpu', 'conv3d_lowp_gpu.cu'),
          join(nativeDir, 'src', 'cuda', 'conv3d_lowp.cu'),
          '-o',
          bin,
        ],
        { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch } },
      );
      expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
      const r = spawnSync(bin, ['check'], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(out).toContain('roundings: 1048576 values, device == host');
      expect(out).not.toContain('FAIL');
      expect(out).toContain('all OK');
    }, 300_000);
  },
);
