#!/usr/bin/env node
// Builds the engine from source with cmake-js (`npx deepsc-build-native` where @deepsc/native is
// installed) and puts it where lib/binding.ts looks for a local build, with a build-info file
// (CUDA architectures carried, glibc floor) next to it. `--help` lists the options.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binaryCudaArchitectures, parseCudaArchitectures, releaseCudaArchitectures } from './cuda-archs.mjs';
import { elfDependencies, newestVersion } from './elf-deps.mjs';

const usage = `Usage: npx deepsc-build-native [options]

Builds the DeepSC engine from source (cmake >= 3.18, a C++20 compiler; nvcc for CUDA) into
build/bin/<platform>-<arch>/ of @deepsc/native, where it is loaded when no prebuilt engine is.

  --cpu-only             no CUDA backend (the same as --cuda off)
  --cuda auto|on|off     auto (default): CUDA when nvcc is found AND an NVIDIA GPU is visible;
                         on: require nvcc; off: CPU engine only       [env DEEPSC_CUDA=auto|1|0]
  --cuda-archs LIST      CUDA architectures, CMake's form: "86", "80-real;90-real;90-virtual",
                         "native" (the GPUs present). Default: native when a GPU is visible,
                         else ${releaseCudaArchitectures}
                         [env DEEPSC_CUDA_ARCHS, or CMake's CUDAARCHS]
  --if-missing           do nothing when the engine is already built
  --debug                debug build
  --out FILE             where to put the .node file (default: the local-build path)
  --build-dir DIR        cmake's build folder (default: build/cmake)
  -h, --help             this text

Environment: CUDACXX names nvcc; CMAKE_BUILD_PARALLEL_LEVEL defaults to the number of CPUs.`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(message, code) {
  console.error(`[deepsc/native] ${message}`);
  process.exit(code);
}

let opts;
try {
  opts = parseArgs({
    options: {
      'cpu-only': { type: 'boolean' },
      cuda: { type: 'string' },
      'cuda-archs': { type: 'string' },
      'if-missing': { type: 'boolean' },
      debug: { type: 'boolean' },
      out: { type: 'string' },
      'build-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  fail(`${err.message}\n\n${usage}`, 2);
}
if (opts.help) {
  console.log(usage);
  process.exit(0);
}

const target = resolve(
  opts.out ??
    join(root, 'build', 'bin', `${process.platform}-${process.arch}`, `deepsc_native-v${pkg.version}.node`),
);
if (opts['if-missing'] && existsSync(target)) process.exit(0);

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function findNvcc() {
  const candidates = [process.env.CUDACXX, '/usr/local/cuda/bin/nvcc'];
  const which = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' });
  if (which.status === 0) candidates.unshift(which.stdout.trim());
  return candidates.find((c) => c && existsSync(c));
}

/** Whether an NVIDIA GPU is visible: the driver lists one, or nvidia-smi does. */
function gpuVisible() {
  try {
    if (readdirSync('/proc/driver/nvidia/gpus').length > 0) return true;
  } catch {}
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  return smi.status === 0 && /^GPU \d/m.test(smi.stdout);
}

// --- what to build ----------------------------------------------------------------------
const cudaWord = opts['cpu-only'] ? 'off' : (opts.cuda ?? process.env.DEEPSC_CUDA ?? 'auto');
const cudaMode = { 0: 'off', off: 'off', 1: 'on', on: 'on', auto: 'auto' }[cudaWord];
if (!cudaMode) fail(`--cuda must be auto, on or off (DEEPSC_CUDA: auto, 1 or 0), not "${cudaWord}"`, 2);
if (opts['cpu-only'] && opts.cuda && opts.cuda !== 'off')
  fail('--cpu-only and --cuda on contradict each other', 2);

// A bad architecture list is an error whether or not CUDA ends up on.
const givenArchs = opts['cuda-archs'] ?? process.env.DEEPSC_CUDA_ARCHS ?? process.env.CUDAARCHS;
let userArchs;
try {
  userArchs = givenArchs === undefined ? undefined : parseCudaArchitectures(givenArchs);
} catch (err) {
  fail(`--cuda-archs: ${err.message}`, 2);
}
const nvcc = cudaMode === 'off' ? undefined : findNvcc();
if (cudaMode === 'on' && !nvcc)
  fail('CUDA was asked for but nvcc was not found (set CUDACXX or put nvcc on PATH)', 2);
const gpu = nvcc !== undefined && gpuVisible();
const cuda = cudaMode === 'on' || (cudaMode === 'auto' && nvcc !== undefined && gpu);
const archs = cuda ? (userArchs ?? (gpu ? 'native' : releaseCudaArchitectures)) : undefined;
const why =
  cuda || cudaMode === 'off'
    ? ''
    : nvcc
      ? ` (nvcc found but no NVIDIA GPU visible; --cuda on builds it anyway)`
      : ' (no nvcc found)';

// --- tools ------------------------------------------------------------------------------
const require = createRequire(join(root, 'package.json'));
const missingPkgs = ['cmake-js', 'node-addon-api'].filter((p) => {
  try {
    require.resolve(`${p}/package.json`);
    return false;
  } catch {
    return true;
  }
});
if (missingPkgs.length)
  fail(
    `building from source needs ${missingPkgs.join(' and ')}: npm i -D cmake-js@^8 node-addon-api@^8 (then run this again)`,
    2,
  );
if (!has('cmake'))
  fail(
    'building from source needs cmake >= 3.18 on PATH (and a C++20 compiler: g++ >= 12 or clang >= 15)',
    2,
  );

const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const buildDir = resolve(root, opts['build-dir'] ?? join('build', 'cmake'));
const cmakeArgs = [cmakeJs, 'compile', '--out', buildDir];
if (opts.debug) cmakeArgs.push('--debug');
cmakeArgs.push(`--CDDEEPSC_CUDA=${cuda ? 'ON' : 'OFF'}`);
if (cuda) cmakeArgs.push(`--CDCMAKE_CUDA_COMPILER=${nvcc}`, `--CDCMAKE_CUDA_ARCHITECTURES=${archs}`);

console.log(
  `[deepsc/native] building the engine ${pkg.version} (CUDA ${cuda ? `on: ${nvcc}, architectures ${archs}` : `off${why}`})`,
);
// Concurrent builds (two shells, two turbo runs) would corrupt the cmake tree: serialise them
// with flock(1) where it exists.
mkdirSync(buildDir, { recursive: true });
const [cmd, argv] = has('flock')
  ? ['flock', [join(buildDir, '.lock'), process.execPath, ...cmakeArgs]]
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
  fail(
    'the engine failed to build: see the compiler output above. It needs cmake >= 3.18 and a C++20 compiler.',
    1,
  );
}

// --- install it where the loader looks, with what info() cannot tell ------------------------
const built = join(buildDir, opts.debug ? 'Debug' : 'Release', 'deepsc_native.node');
const info = { version: pkg.version, cuda, cudaArchitectures: [], staticCxxRuntime: false };
if (process.platform === 'linux') {
  const deps = elfDependencies(built);
  info.staticCxxRuntime = !deps.needed.some((n) => n.startsWith('libstdc++'));
  const floor = newestVersion(deps, 'GLIBC_');
  if (floor) info.glibcFloor = floor;
  if (cuda) info.cudaArchitectures = binaryCudaArchitectures(built);
}
mkdirSync(dirname(target), { recursive: true });
// Copy then rename so a reader never sees a half-written engine.
const infoPath = `${target.replace(/\.node$/, '')}.build.json`;
writeFileSync(`${infoPath}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
copyFileSync(built, `${target}.tmp`);
renameSync(`${target}.tmp`, target);
renameSync(`${infoPath}.tmp`, infoPath);
console.log(
  `[deepsc/native] ${target}${info.glibcFloor ? ` (glibc >= ${info.glibcFloor})` : ''}${cuda ? ` CUDA ${info.cudaArchitectures.join(' ')}` : ''}`,
);
