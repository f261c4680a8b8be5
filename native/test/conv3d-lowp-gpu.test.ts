/**
 * conv3d's TF32 / bf16 tensor-core kernels on a GPU (test/cuda_emu/gpu/conv3d_lowp_gpu.cu,
 * `check` mode): the device roundings bit for bit against deepsc/precision.h's host path, and
 * each pass, precision, tiling and split count of a table of convolutions within the
 * precision's bound of float64, within the tensor cores' per-step error of the host emulation, every
 * output written, bitwise the same on a second run; then (`time` mode, one warm-up and one
 * timed run) the paper's layer set (benchmarks/gpu/layers.json: seven DeepSC-COVID layers at the
 * paper's sizes, too large for the host emulation) in each precision and pass the kernels take:
 * within 8 u of the simple fp32 kernel relative to the output's largest magnitude, and bitwise
 * the same on a second run; the passes they do not take (the stem's) are named fp32. Needs nvcc
 * and an NVIDIA GPU (sm_80 or newer); SKIPPED without them, unless DEEPSC_REQUIRE_CUDA=1
 * (benchmarks/gpu/run.sh, lowp.sh), which makes a missing GPU or nvcc a failure. Not yet run on
 * a GPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const layersJson = join(nativeDir, '..', 'benchmarks', 'gpu', 'layers.json');

interface Layer {
  name: string;
  N: number;
  C: number;
  K: number;
  in: number[];
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  groups: number;
}
/** The layers in `time` mode's stdin format (gpu_bench.py's layer_lines), one a line. */
const layerLines = (layers: Layer[]) =>
  layers
    .map((l) => [l.name, l.N, l.C, l.K, ...l.in, ...l.k, ...l.s, ...l.p, ...l.d, l.groups].join(' '))
    .join('\n');
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

    const bin = join(scratch, 'conv3d_lowp_gpu');
    let built = false;

    it('agree with the host emulation and float64, deterministically', () => {
      expect(haveNvcc, 'DEEPSC_REQUIRE_CUDA=1 but nvcc is not on PATH').toBe(true);
      expect(haveGpu, 'DEEPSC_REQUIRE_CUDA=1 but nvidia-smi -L lists no GPU').toBe(true);
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
      built = true;
      const r = spawnSync(bin, ['check'], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(out).toContain('roundings: 1048576 values, device == host');
      expect(out).not.toContain('FAIL');
      expect(out).toContain('all OK');
    }, 300_000);

    it('on the paper layer set: within 8 u of fp32, deterministically', () => {
      expect(built, 'the program did not build (the test above)').toBe(true);
      const layers = JSON.parse(readFileSync(layersJson, 'utf8')) as Layer[];
      const r = spawnSync(bin, ['time', '1', '1'], { input: layerLines(layers), encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      const rows = r.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((row) => row.name)).toEqual(layers.map((l) => l.name));
      let taken = 0;
      for (const row of rows)
        for (const p of ['tf32', 'bf16'])
          for (const pass of ['forward', 'backward_data', 'backward_weight']) {
            const e = (row[p] as Record<string, Record<string, unknown>>)[pass] as Record<string, unknown>;
            if (e.math === 'fp32') continue; // a pass the tensor-core kernels do not take
            taken++;
            const what = `${row.name} ${p} ${pass}: ${JSON.stringify(e)}`;
            expect(e.math, what).toBe(p);
            expect(e.deterministic, what).toBe(true);
            expect(e.ok, what).toBe(true);
            expect(e.errVsFp32 as number, what).toBeGreaterThan(0); // the operands were rounded
          }
      // every pass of the six layers past the stem (its M <= 8 and thin passes stay fp32)
      expect(taken).toBe(2 * 3 * (layers.length - 1));
    }, 300_000);
  },
);
