#!/usr/bin/env node
// Builds @deepsc/distributed's addon (gloo's collectives) with cmake-js into
// build/bin/<platform>-<arch>/deepsc_distributed.node, where src/binding.ts looks for it. Without
// gloo it builds nothing and says so (exit 0): loading the package then throws
// DistributedUnavailableError naming what to install. `--help` lists the options.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = `Usage: node scripts/build-addon.mjs [options]

Builds the gloo addon of @deepsc/distributed (cmake >= 3.18, a C++17 compiler, libgloo-dev).

  --require     fail (exit 2) instead of skipping when gloo is not installed
  --debug       debug build
  -h, --help    this text

Environment: GLOO_ROOT names a gloo install prefix other than /usr (include/gloo, lib/libgloo.so).`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`[deepsc/distributed] ${m}`);
function fail(message, code) {
  console.error(`[deepsc/distributed] ${message}`);
  process.exit(code);
}

let opts;
try {
  opts = parseArgs({
    options: {
      require: { type: 'boolean' },
      debug: { type: 'boolean' },
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

const prefixes = [process.env.GLOO_ROOT, '/usr', '/usr/local'].filter(Boolean);
const glooPrefix = prefixes.find((p) => existsSync(join(p, 'include', 'gloo', 'allreduce.h')));
if (!glooPrefix) {
  const msg =
    'gloo is not installed (no include/gloo/allreduce.h under /usr, /usr/local or $GLOO_ROOT): apt-get install libgloo-dev';
  if (opts.require) fail(msg, 2);
  say(`skipped: ${msg}. The package loads but initProcessGroup throws DistributedUnavailableError.`);
  process.exit(0);
}

const require = createRequire(join(root, 'package.json'));
const resolveDir = (p) => {
  try {
    return dirname(require.resolve(`${p}/package.json`));
  } catch {
    return undefined;
  }
};
// @deepsc/native exports no ./package.json: find its folder the way Node's resolution walks.
function packageDir(name) {
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
const cmakeJsDir = resolveDir('cmake-js');
const nativeDir = packageDir('@deepsc/native');
if (!cmakeJsDir || !resolveDir('node-addon-api'))
  fail('building the addon needs cmake-js and node-addon-api: npm i -D cmake-js@^8 node-addon-api@^8', 2);
if (!nativeDir || !existsSync(join(nativeDir, 'include', 'deepsc', 'gradient_hook.h')))
  fail('building the addon needs @deepsc/native (its include/deepsc/gradient_hook.h)', 2);
if (spawnSync('sh', ['-c', 'command -v cmake'], { stdio: 'ignore' }).status !== 0)
  fail('building the addon needs cmake >= 3.18 on PATH', 2);

const buildDir = resolve(root, 'build', 'cmake');
mkdirSync(buildDir, { recursive: true });
const args = [
  join(cmakeJsDir, 'bin', 'cmake-js'),
  'compile',
  '--out',
  buildDir,
  `--CDDEEPSC_NATIVE_INCLUDE=${join(nativeDir, 'include')}`,
  `--CDCMAKE_PREFIX_PATH=${glooPrefix}`,
];
if (opts.debug) args.push('--debug');
say(`building the gloo addon (gloo from ${glooPrefix})`);
try {
  execFileSync('flock', [join(buildDir, '.lock'), process.execPath, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  fail('the addon failed to build: see the compiler output above', 1);
}
const built = join(buildDir, opts.debug ? 'Debug' : 'Release', 'deepsc_distributed.node');
const target = join(root, 'build', 'bin', `${process.platform}-${process.arch}`, 'deepsc_distributed.node');
mkdirSync(dirname(target), { recursive: true });
// Copy then rename: a reader never sees a half-written addon.
copyFileSync(built, `${target}.tmp`);
renameSync(`${target}.tmp`, target);
say(target);
