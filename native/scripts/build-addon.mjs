#!/usr/bin/env node
// Builds the addon with cmake-js and copies it to the versioned path that lib/binding.ts loads.
//   node scripts/build-addon.mjs [--if-missing] [--debug]
// Environment: DEEPSC_CUDA=0 turns the CUDA backend off even when nvcc is found;
// DEEPSC_CUDA=1 requires it. CMAKE_BUILD_PARALLEL_LEVEL defaults to the number of CPUs.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const args = new Set(process.argv.slice(2));
const target = join(
  root,
  'build',
  'bin',
  `${process.platform}-${process.arch}`,
  `deepsc_native-v${pkg.version}.node`,
);

if (args.has('--if-missing') && existsSync(target)) process.exit(0);

function findNvcc() {
  const candidates = [process.env.CUDACXX, '/usr/local/cuda/bin/nvcc'];
  const which = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' });
  if (which.status === 0) candidates.unshift(which.stdout.trim());
  return candidates.find((c) => c && existsSync(c));
}

const cudaEnv = process.env.DEEPSC_CUDA;
const nvcc = cudaEnv === '0' ? undefined : findNvcc();
if (cudaEnv === '1' && !nvcc) {
  console.error('DEEPSC_CUDA=1 but nvcc was not found (set CUDACXX or put nvcc on PATH).');
  process.exit(1);
}

const require = createRequire(import.meta.url);
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const cmakeArgs = [cmakeJs, 'compile', '--out', join('build', 'cmake')];
if (args.has('--debug')) cmakeArgs.push('--debug');
cmakeArgs.push(`--CDDEEPSC_CUDA=${nvcc ? 'ON' : 'OFF'}`);
if (nvcc) cmakeArgs.push(`--CDCMAKE_CUDA_COMPILER=${nvcc}`);

console.log(`[deepsc/native] building the addon (CUDA ${nvcc ? `on: ${nvcc}` : 'off'})`);
// Concurrent builds (two shells, two turbo runs) would corrupt the cmake tree: serialise them
// with flock(1) where it exists.
mkdirSync(join(root, 'build'), { recursive: true });
const hasFlock = spawnSync('sh', ['-c', 'command -v flock'], { stdio: 'ignore' }).status === 0;
const [cmd, argv] = hasFlock
  ? ['flock', [join(root, 'build', '.lock'), process.execPath, ...cmakeArgs]]
  : [process.execPath, cmakeArgs];
try {
  execFileSync(cmd, argv, {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? String(availableParallelism()),
    },
  });
} catch {
  console.error(
    '[deepsc/native] the addon failed to build: see the compiler output above. It needs cmake >= 3.18 and a C++20 compiler.',
  );
  process.exit(1);
}

const built = join(root, 'build', 'cmake', args.has('--debug') ? 'Debug' : 'Release', 'deepsc_native.node');
mkdirSync(dirname(target), { recursive: true });
// Copy then rename so a reader never sees a half-written addon.
copyFileSync(built, `${target}.tmp`);
renameSync(`${target}.tmp`, target);
console.log(`[deepsc/native] ${target}`);
