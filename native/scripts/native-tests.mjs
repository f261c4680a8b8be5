#!/usr/bin/env node
// Builds and runs the standalone C++ kernel tests (test/cpp), by default under
// AddressSanitizer + UndefinedBehaviorSanitizer. These need no Node.js addon.
//   node scripts/native-tests.mjs [--sanitize] [--filter NAME]
// Each configuration has its own persistent build folder (build/asan, build/tests), reused by
// every run: a rerun recompiles only what changed (make's dependency tracking), and `--filter`
// only chooses which tests run. CMake is configured once per folder and options; afterwards
// `cmake --build` itself reconfigures when CMakeLists.txt or a globbed folder changes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const sanitize = argv.includes('--sanitize');
const fi = argv.indexOf('--filter');
const filter = fi >= 0 ? argv[fi + 1] : undefined;
const buildDir = join(root, 'build', sanitize ? 'asan' : 'tests');
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

mkdirSync(buildDir, { recursive: true });
const lock = join(buildDir, '.lock');
const locked = (args) => ['flock', [lock, 'cmake', ...args]];
const configure = [
  '-S',
  '.',
  '-B',
  buildDir,
  '-DCMAKE_BUILD_TYPE=' + (sanitize ? 'RelWithDebInfo' : 'Release'),
  // Under the sanitizers -O1 -g1 (line tables for their stack traces) compiles in about 57% of
  // the CPU time of RelWithDebInfo's -O2 -g, and the tests run no slower (docs/architecture.md,
  // "CI time").
  ...(sanitize ? ['-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG'] : []),
  '-DDEEPSC_BUILD_TESTS=ON',
  `-DDEEPSC_SANITIZE=${sanitize ? 'ON' : 'OFF'}`,
  '-DDEEPSC_CUDA=OFF',
];
// The options this folder was configured with (configure again only when they change).
const stamp = join(buildDir, '.configured-with');
const wanted = JSON.stringify(configure);
const configured =
  existsSync(join(buildDir, 'CMakeCache.txt')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;
if (!configured) {
  run(...locked(configure));
  writeFileSync(stamp, wanted);
}
run(
  ...locked([
    '--build',
    buildDir,
    '--target',
    'deepsc_native_tests',
    '--parallel',
    String(availableParallelism()),
  ]),
);
const env = sanitize
  ? {
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:halt_on_error=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    }
  : {};
run(join(buildDir, 'deepsc_native_tests'), filter ? [filter] : [], env);
