#!/usr/bin/env node
// Prepares what a GPU machine WITHOUT Node.js or node_modules needs to run the whole GPU check
// (benchmarks/gpu/run.sh), built here so that the GPU machine spends no time compiling:
//   native/build/bin/<platform>-<arch>/deepsc_native-v*.node   the addon, CUDA backend on
//   .gpu-carry/node_modules.tar.xz  node_modules less what a GPU check never uses (about 16 MB),
//                                 so vitest and tsx run the same test files as here
//   .gpu-carry/node.xz            this Node.js binary, xz-compressed (about 24 MB)
//   .gpu-carry/cuda_check         the Node-free conv3d timer used by gpu_bench.py
//   .gpu-carry/conv3d_gpu         native/test/cuda_emu/gpu's fast-vs-simple conv3d check (both maths)
//   .gpu-carry/conv3d_lowp_gpu    the TF32 / bf16 tensor-core conv3d kernels' check and timer
// All are git-ignored. Then, with the device tool (the two folders are the `carry` list):
//   carry: [".gpu-carry", "native/build/bin"]
//   command: set -o pipefail; bash benchmarks/gpu/run.sh 2>&1 | tee $OUT/run.log
// Needs nvcc (the addon must be built with CUDA: DEEPSC_CUDA=1 is set here).
//   node benchmarks/gpu/prepare-carry.mjs [--lowp]
// --lowp: the addon with the CMake option DEEPSC_CUDA_LOWP=ON too (compile takes precision tf32 /
// bf16 on the GPU), in its own build folder native/build/cmake-lowp, for benchmarks/gpu/lowp.sh
// (which then skips its build). A whole CUDA build takes about 40 minutes on a 2-core machine.
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const carry = join(root, '.gpu-carry');
mkdirSync(carry, { recursive: true });
const say = (msg) => console.log(`[prepare-carry] ${msg}`);
const args = process.argv.slice(2);
for (const a of args)
  if (a !== '--lowp') {
    console.error(`prepare-carry: unknown argument '${a}' (the only option is --lowp)`);
    process.exit(2);
  }
const lowp = args.includes('--lowp');
const buildDir = lowp ? 'cmake-lowp' : 'cmake';

// 1. The addon with CUDA (incremental: only what changed is rebuilt).
// Only the H100/H200's architecture (sm_90 code and its PTX): the release default compiles seven
// architectures, several times the nvcc time. DEEPSC_CUDA_ARCHS from the caller wins.
say(
  `building the addon with DEEPSC_CUDA=1${lowp ? ' and DEEPSC_CUDA_LOWP=ON' : ''} in native/build/${buildDir}`,
);
execFileSync(
  process.execPath,
  [join(root, 'native', 'scripts', 'build-addon.mjs'), '--build-dir', join('build', buildDir)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      DEEPSC_CUDA: '1',
      // read by native/CMakeLists.txt when it configures the folder
      ...(lowp ? { DEEPSC_CUDA_LOWP: '1' } : {}),
      DEEPSC_CUDA_ARCHS: process.env.DEEPSC_CUDA_ARCHS ?? '90-real;90-virtual',
    },
  },
);

// 2. cuda_check, linked against the engine library the addon build just made.
const lib = join(root, 'native', 'build', buildDir, 'libdeepsc_engine.a');
if (!existsSync(lib)) throw new Error(`expected the engine library at ${lib} after the addon build`);
const nvcc = process.env.CUDACXX || 'nvcc';
say('building .gpu-carry/cuda_check');
execFileSync(
  nvcc,
  [
    '-std=c++20',
    '-O2',
    '-DDEEPSC_HAVE_CUDA=1',
    '-DDEEPSC_VERSION="gpu-check"',
    `-I${join(root, 'native', 'include')}`,
    `-I${join(root, 'native', 'src')}`,
    join(root, 'native', 'test', 'cuda_check', 'cuda_check.cpp'),
    lib,
    '-o',
    join(carry, 'cuda_check'),
    '-lpthread',
  ],
  { stdio: 'inherit' },
);

// 2b. conv3d_gpu: the fast conv3d kernel against the simple one, and the opt-in 3xTF32 path.
say('building .gpu-carry/conv3d_gpu');
execFileSync(
  nvcc,
  [
    '-std=c++20',
    '--expt-relaxed-constexpr',
    '-O2',
    '-arch=sm_90',
    '-DDEEPSC_HAVE_CUDA=1',
    `-I${join(root, 'native', 'include')}`,
    `-I${join(root, 'native', 'src')}`,
    join(root, 'native', 'test', 'cuda_emu', 'gpu', 'conv3d_gpu.cu'),
    lib,
    '-o',
    join(carry, 'conv3d_gpu'),
    '-lpthread',
  ],
  { stdio: 'inherit' },
);

// 2c. conv3d_lowp_gpu: the TF32 / bf16 tensor-core kernels (self-contained: no engine library).
say('building .gpu-carry/conv3d_lowp_gpu');
execFileSync(
  nvcc,
  [
    '-std=c++20',
    '--expt-relaxed-constexpr',
    '-O2',
    '-arch=sm_90',
    '-DDEEPSC_HAVE_CUDA=1',
    `-I${join(root, 'native', 'include')}`,
    `-I${join(root, 'native', 'src')}`,
    join(root, 'native', 'test', 'cuda_emu', 'gpu', 'conv3d_lowp_gpu.cu'),
    join(root, 'native', 'src', 'cuda', 'conv3d_lowp.cu'),
    '-o',
    join(carry, 'conv3d_lowp_gpu'),
  ],
  { stdio: 'inherit' },
);

// 3. node_modules without what a GPU check never uses (formatter, docs, ONNX peer, browsers),
// as one tarball (about 16 MB); redone only when package-lock.json changed.
const nmTar = join(carry, 'node_modules.tar.xz');
const lock = join(root, 'package-lock.json');
if (!existsSync(nmTar) || statSync(nmTar).mtimeMs < statSync(lock).mtimeMs) {
  say('packing node_modules to .gpu-carry/node_modules.tar.xz');
  const skip = [
    'onnxruntime-node',
    '@biomejs',
    '@turbo',
    'typescript',
    'playwright-core',
    '@shikijs',
    'typedoc',
    '.cache',
  ];
  execFileSync(
    'sh',
    [
      '-c',
      `tar -c ${skip.map((s) => `--exclude='node_modules/${s}'`).join(' ')} node_modules | xz -T0 -6 > '${nmTar}.tmp' && mv '${nmTar}.tmp' '${nmTar}'`,
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

// 4. This Node.js, compressed (the GPU machine has none); redone only when Node changed.
const nodeXz = join(carry, 'node.xz');
if (!existsSync(nodeXz) || statSync(nodeXz).mtimeMs < statSync(process.execPath).mtimeMs) {
  say(`compressing ${process.execPath} (${process.version}) to .gpu-carry/node.xz`);
  const xz = spawn('xz', ['-T0', '-6', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const done = pipeline(xz.stdout, createWriteStream(`${nodeXz}.tmp`));
  await pipeline(createReadStream(process.execPath), xz.stdin);
  await done;
  execFileSync('mv', [`${nodeXz}.tmp`, nodeXz]);
}
let total = 0;
for (const dir of [carry, join(root, 'native', 'build', 'bin')]) {
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else total += statSync(p).size;
    }
  };
  walk(dir);
}
say(`ready: ${(total / 2 ** 20).toFixed(1)} MiB to carry (.gpu-carry, native/build/bin)`);
