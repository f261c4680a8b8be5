#!/usr/bin/env node
// Builds the plugin with CMake against the headers of the installed @deepsc/native (found by
// Node's module resolution, as any dependency is), into build/libmy_swish.so. The engine is not
// rebuilt. CUDA kernels are built when nvcc is found and an NVIDIA GPU is visible, or with
// --cuda on; --cuda off never builds them.
//   node scripts/build.mjs [--cuda auto|on|off] [--clean]
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { cuda: { type: 'string', default: 'auto' }, clean: { type: 'boolean' } },
});
if (!['auto', 'on', 'off'].includes(values.cuda)) {
  console.error(`--cuda must be auto, on or off, got '${values.cuda}'`);
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
const cuda =
  values.cuda === 'on' ||
  (values.cuda === 'auto' && works('nvcc', ['--version']) && works('nvidia-smi', ['-L']));
const build = join(root, 'build');
if (values.clean) rmSync(build, { recursive: true, force: true });
const started = performance.now();
const run = (args) => execFileSync('cmake', args, { cwd: root, stdio: 'inherit' });
try {
  run(['-S', '.', '-B', build, `-DDEEPSC_INCLUDE_DIR=${include}`, `-DMY_SWISH_CUDA=${cuda ? 'ON' : 'OFF'}`]);
  run(['--build', build, '--parallel']);
} catch {
  console.error('the plugin did not build (cmake >= 3.18 and a C compiler are needed; nvcc for --cuda on)');
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `[my_swish] ${join(build, 'libmy_swish.so')} (${cuda ? 'CPU and CUDA' : 'CPU only'}) in ${seconds} s`,
);
