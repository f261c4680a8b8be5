#!/usr/bin/env node
// Compile-checks CUDA files without building the engine: nvcc with the engine's language
// standard, include directories, definitions and warning flags (CMakeLists.txt's CUDA
// settings), for one architecture, to an object file in a temporary folder that is removed
// afterwards. Takes seconds per file instead of an engine build.
//
//   npm run -w @deepsc/native check:cu -- src/cuda/relu.cu [more.cu ...] [--arch 90]
//
// Paths are taken relative to the folder the command was started from (npm's INIT_CWD, else
// the working directory), else to native/. Exit codes: 0 every file compiles, 1 nvcc rejected a file (its diagnostics are
// printed), 2 usage (no file, not a .cu file, a missing file, a bad --arch, no nvcc).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The flags CMakeLists.txt gives every .cu file of the engine (keep the two in step). */
function engineCudaFlags(arch) {
  return [
    '-std=c++20',
    '-Werror=all-warnings',
    '--expt-relaxed-constexpr',
    '-DDEEPSC_HAVE_CUDA=1',
    '-DDEEPSC_VERSION="check-cu"',
    `-I${join(nativeDir, 'include')}`,
    `-I${join(nativeDir, 'src')}`,
    `-gencode=arch=compute_${arch},code=sm_${arch}`,
    '-Xcompiler=-fPIC',
  ];
}

function usage(message) {
  process.stderr.write(`check:cu: ${message}\nusage: check-cu.mjs <file.cu> [more.cu ...] [--arch 90]\n`);
  process.exit(2);
}

function findFile(arg) {
  if (isAbsolute(arg)) return arg;
  const fromCaller = resolve(process.env.INIT_CWD ?? process.cwd(), arg);
  if (existsSync(fromCaller)) return fromCaller;
  return resolve(nativeDir, arg);
}

function main(argv) {
  let arch = '90';
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') {
      arch = argv[++i] ?? '';
      if (!/^\d{2,3}[a-z]?$/.test(arch))
        usage(`--arch takes a compute capability like 80 or 90, got '${arch}'`);
    } else if (argv[i].startsWith('-')) usage(`unknown option '${argv[i]}'`);
    else files.push(argv[i]);
  }
  if (files.length === 0) usage('no .cu file given');
  const paths = files.map((f) => {
    if (!f.endsWith('.cu')) usage(`'${f}' is not a .cu file`);
    const p = findFile(f);
    if (!existsSync(p)) usage(`'${f}' not found (looked for ${p})`);
    return p;
  });
  const nvcc = process.env.CUDACXX || 'nvcc';
  const probe = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    usage(`nvcc not found ('${nvcc}'): install the CUDA toolkit or set CUDACXX to nvcc's path`);
  const out = mkdtempSync(join(tmpdir(), 'deepsc-check-cu-'));
  let failed = 0;
  try {
    for (const p of paths) {
      const t0 = Date.now();
      const r = spawnSync(nvcc, [...engineCudaFlags(arch), '-c', p, '-o', join(out, `${basename(p)}.o`)], {
        stdio: 'inherit',
      });
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      if (r.status === 0) process.stdout.write(`ok   ${p} (sm_${arch}, ${s} s)\n`);
      else {
        failed++;
        process.stdout.write(`FAIL ${p} (sm_${arch}, ${s} s)\n`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  process.exit(failed > 0 ? 1 : 0);
}

main(process.argv.slice(2));
