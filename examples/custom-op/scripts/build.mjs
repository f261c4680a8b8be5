#!/usr/bin/env node
// Builds the plugin with CMake against the headers of the installed @deepsc/native (found by
// Node's module resolution, as any dependency is), into build/libmy_swish.so. The engine is not
// rebuilt. CUDA kernels are built when nvcc is found and an NVIDIA GPU is visible, or with
// --cuda on; --cuda off never builds them. Exit codes: 0 built, 1 the build failed (output
// above), 2 a bad option or a missing tool or dependency (named).
//   node scripts/build.mjs [--cuda auto|on|off] [--clean]
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: node scripts/build.mjs [--cuda auto|on|off] [--clean]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      cuda: { type: 'string', default: 'auto' },
      clean: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!['auto', 'on', 'off'].includes(values.cuda)) {
  console.error(`--cuda must be auto, on or off, got '${values.cuda}'\n${usage}`);
  process.exit(2);
}

let include;
try {
  include = join(dirname(createRequire(import.meta.url).resolve('@deepsc/native/package.json')), 'include');
} catch {
  console.error(
    '@deepsc/native is not installed here (npm i @deepsc/native); its include/ holds deepsc/plugin.h',
  );
  process.exit(2);
}

const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
if (!works('cmake', ['--version'])) {
  console.error('cmake was not found on PATH: the plugin needs cmake >= 3.18 and a C compiler');
  process.exit(2);
}
if (values.cuda === 'on' && !works('nvcc', ['--version'])) {
  console.error('--cuda on: nvcc was not found on PATH (the CUDA toolkit builds the kernels)');
  process.exit(2);
}
const gpu = works('nvidia-smi', ['-L']);
const cuda = values.cuda === 'on' || (values.cuda === 'auto' && works('nvcc', ['--version']) && gpu);
// The CUDA architectures: CUDAARCHS when set (CMake reads it), else the GPUs of this machine, or
// on a machine without one (a build server) those the prebuilt engine carries (sm_80 and up,
// PTX for newer GPUs). CMake's `native` finds nothing there and stops.
const portable = '80-real;86-real;89-real;90-real;100-real;120-real;120-virtual';
const archs =
  cuda && !process.env.CUDAARCHS ? [`-DCMAKE_CUDA_ARCHITECTURES=${gpu ? 'native' : portable}`] : [];
const build = join(root, 'build');
if (values.clean) rmSync(build, { recursive: true, force: true });
const started = performance.now();
const run = (args) => execFileSync('cmake', args, { cwd: root, stdio: 'inherit' });
try {
  run([
    '-S',
    '.',
    '-B',
    build,
    `-DDEEPSC_INCLUDE_DIR=${include}`,
    `-DMY_SWISH_CUDA=${cuda ? 'ON' : 'OFF'}`,
    ...archs,
  ]);
  run(['--build', build, '--parallel']);
} catch {
  console.error('the plugin did not build (cmake >= 3.18 and a C compiler are needed; nvcc for --cuda on)');
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `[my_swish] ${join(build, 'libmy_swish.so')} (${cuda ? 'CPU and CUDA' : 'CPU only'}) in ${seconds} s`,
);
