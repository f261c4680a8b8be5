#!/usr/bin/env node
// `npm run release:pack`: builds the prebuilt engine package(s) and @deepsc/distributed's
// prebuilt gloo addon package(s), and packs every publishable package into one folder of tarballs, each checked with `npm publish --dry-run`. `--help`
// lists the options. Nothing is published; `npm publish <tarball>` (engine package first) does.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binaryCudaArchitectures, releaseCudaArchitectures } from '../native/scripts/cuda-archs.mjs';
import { compareVersions, elfDependencies, newestVersion } from '../native/scripts/elf-deps.mjs';

const usage = `Usage: npm run release:pack -- [options]

  --out DIR            where the tarballs go (default: release/)
  --reuse-engine       pack the engine already built (native/build/bin) and the gloo addon already
                       built (packages/distributed/build/bin) instead of building the release
                       engine (CUDA on, all architectures) and addon: for tests, not for releases
  --cuda-archs LIST    CUDA architectures of the release engine (default ${releaseCudaArchitectures})
  --no-tsc             do not rebuild the packages' dist/ (when they are fresh)
  --no-publish-check   skip \`npm publish --dry-run\`
  -h, --help           this text`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The published packages, dependencies first. */
export const publishable = [
  'packages/random',
  'native',
  'packages/io',
  'packages/core',
  'packages/deepsc-covid',
  'packages/unet3d',
  'packages/eval',
  'packages/train',
  'packages/cli',
  'packages/distributed',
];
/** The prebuilt engine packages, by platform tag. */
const enginePackages = { 'linux-x64-gnu': 'native/npm/linux-x64-gnu' };
/** The prebuilt gloo addon packages of @deepsc/distributed, by platform tag. */
const distributedPackages = { 'linux-x64-gnu': 'packages/distributed/npm/linux-x64-gnu' };
/** Libraries every glibc system has: what a prebuilt addon may need besides those its package names. */
const systemLibraries = [
  'libc.so.6',
  'libm.so.6',
  'libgcc_s.so.1',
  'libpthread.so.0',
  'libdl.so.2',
  'libstdc++.so.6',
];

function fail(message, code = 1) {
  console.error(`[release] ${message}`);
  process.exit(code);
}

let opts;
try {
  opts = parseArgs({
    options: {
      out: { type: 'string' },
      'reuse-engine': { type: 'boolean' },
      'cuda-archs': { type: 'string' },
      'no-tsc': { type: 'boolean' },
      'no-publish-check': { type: 'boolean' },
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

// npm run passes its own configuration down as npm_config_* variables; the packing and checks
// below must see a user's default settings, not the calling workspace's.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const out = resolve(opts.out ?? join(root, 'release'));
const started = Date.now();
const seconds = (t) => ((Date.now() - t) / 1000).toFixed(1);

// --- lockstep versions ----------------------------------------------------------------------
const manifests = Object.fromEntries(
  [...publishable, ...Object.values(enginePackages), ...Object.values(distributedPackages)].map((d) => [
    d,
    readJson(join(root, d, 'package.json')),
  ]),
);
const version = manifests.native.version;
const names = new Set(Object.values(manifests).map((m) => m.name));
for (const [dir, m] of Object.entries(manifests)) {
  if (m.version !== version)
    fail(`${m.name} is ${m.version}, @deepsc/native ${version}: DeepSC releases in lockstep`, 2);
  if (m.private) fail(`${dir}/package.json is private`, 2);
  if (m.publishConfig?.access !== 'public') fail(`${m.name} lacks publishConfig.access "public"`, 2);
  for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.optionalDependencies })) {
    if (!names.has(dep)) continue;
    const want = /^@deepsc\/(native|distributed)-/.test(dep) ? version : `^${version}`;
    if (range !== want) fail(`${m.name} depends on ${dep}@${range}; the release wants ${want}`, 2);
  }
}
for (const [tag, dir] of Object.entries(enginePackages)) {
  const name = manifests[dir].name;
  if (manifests.native.optionalDependencies?.[name] !== version)
    fail(`@deepsc/native does not list ${name}@${version} (for ${tag}) in optionalDependencies`, 2);
}
for (const [tag, dir] of Object.entries(distributedPackages)) {
  const name = manifests[dir].name;
  if (manifests['packages/distributed'].optionalDependencies?.[name] !== version)
    fail(`@deepsc/distributed does not list ${name}@${version} (for ${tag}) in optionalDependencies`, 2);
}

// --- the engine -------------------------------------------------------------------------------
const tag = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
const engineDir = enginePackages[tag];
let engine;
if (!engineDir) {
  console.warn(
    `[release] no prebuilt engine package is made for ${tag}: packing the JavaScript packages only`,
  );
} else if (opts['reuse-engine']) {
  engine = join(
    root,
    'native',
    'build',
    'bin',
    `${process.platform}-${process.arch}`,
    `deepsc_native-v${version}.node`,
  );
  if (!existsSync(engine)) fail(`--reuse-engine: no engine at ${engine} (npm run build builds one)`, 2);
} else {
  const t = Date.now();
  engine = join(root, 'native', 'build', 'release', 'deepsc_native.node');
  const archs = opts['cuda-archs'] ?? releaseCudaArchitectures;
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'native', 'scripts', 'build-addon.mjs'),
      '--cuda',
      'on',
      '--cuda-archs',
      archs,
      '--build-dir',
      join('build', 'cmake-release'),
      '--out',
      engine,
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) fail('the release engine did not build (output above)');
  console.log(`[release] engine built in ${seconds(t)} s (CUDA ${archs})`);
}

let engineInfo;
if (engine) {
  const probe = spawnSync(
    process.execPath,
    ['-e', `const i = require(${JSON.stringify(engine)}).info(); console.log(JSON.stringify(i))`],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0) fail(`the engine ${engine} does not load: ${probe.stderr.trim()}`);
  const info = JSON.parse(probe.stdout);
  if (info.version !== version)
    fail(`the engine ${engine} is version ${info.version}, the release ${version}`);
  const deps = elfDependencies(engine);
  const floor = manifests[engineDir].deepsc?.glibcFloor;
  const needs = newestVersion(deps, 'GLIBC_');
  if (!floor) fail(`${engineDir}/package.json states no deepsc.glibcFloor`, 2);
  if (needs && compareVersions(needs, floor) > 0)
    fail(`the engine needs glibc ${needs}, but ${manifests[engineDir].name} states ${floor}`);
  const cxx = deps.needed.find((n) => n.startsWith('libstdc++'));
  if (cxx && !opts['reuse-engine'])
    fail(`the release engine links ${cxx} dynamically (it must link libstdc++ statically)`);
  engineInfo = {
    version,
    cuda: info.cudaBuilt,
    cudaArchitectures: info.cudaBuilt ? binaryCudaArchitectures(engine) : [],
    staticCxxRuntime: !cxx,
    ...(needs ? { glibcFloor: needs } : {}),
  };
  console.log(
    `[release] engine ${version}: glibc >= ${needs}, CUDA ${engineInfo.cudaArchitectures.join(' ') || 'not built in'}`,
  );
}

// --- the gloo addon of @deepsc/distributed ---------------------------------------------------
const distributedDir = distributedPackages[tag];
let distributed;
if (distributedDir) {
  distributed = join(
    root,
    'packages',
    'distributed',
    'build',
    'bin',
    `${process.platform}-${process.arch}`,
    'deepsc_distributed.node',
  );
  if (opts['reuse-engine']) {
    if (!existsSync(distributed))
      fail(
        `--reuse-engine: no gloo addon at ${distributed} (npm run build:addon --workspace @deepsc/distributed)`,
        2,
      );
  } else {
    const t = Date.now();
    const r = spawnSync(
      process.execPath,
      [join(root, 'packages', 'distributed', 'scripts', 'build-addon.mjs'), '--require'],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) fail('the gloo addon did not build (output above; it needs libgloo-dev)');
    console.log(`[release] gloo addon built in ${seconds(t)} s`);
  }
}

let distributedInfo;
if (distributed) {
  const manifest = manifests[distributedDir];
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const b = require(${JSON.stringify(distributed)}); console.log(JSON.stringify({ group: typeof b.NativeProcessGroup, hookAbiVersion: b.hookAbiVersion }))`,
    ],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0) fail(`the gloo addon ${distributed} does not load: ${probe.stderr.trim()}`);
  const loaded = JSON.parse(probe.stdout);
  if (loaded.group !== 'function' || !Number.isInteger(loaded.hookAbiVersion))
    fail(`${distributed} is not @deepsc/distributed's addon (no NativeProcessGroup or hookAbiVersion)`);
  const deps = elfDependencies(distributed);
  const runtime = manifest.deepsc?.runtimeLibraries ?? {};
  const stray = deps.needed.filter((n) => !systemLibraries.includes(n) && !(n in runtime));
  if (stray.length)
    fail(
      `the gloo addon needs ${stray.join(', ')}, which ${manifest.name}'s deepsc.runtimeLibraries does not name`,
    );
  for (const [want, prefix] of [
    ['glibcFloor', 'GLIBC_'],
    ['glibcxxFloor', 'GLIBCXX_'],
  ]) {
    const floor = manifest.deepsc?.[want];
    const needs = newestVersion(deps, prefix);
    if (!floor) fail(`${distributedDir}/package.json states no deepsc.${want}`, 2);
    if (needs && compareVersions(needs, floor) > 0)
      fail(`the gloo addon needs ${prefix}${needs}, but ${manifest.name} states ${floor}`);
  }
  distributedInfo = {
    version,
    hookAbiVersion: loaded.hookAbiVersion,
    glibcFloor: newestVersion(deps, 'GLIBC_'),
    glibcxxFloor: newestVersion(deps, 'GLIBCXX_'),
    needed: deps.needed,
    runtimePackages: runtime,
  };
  console.log(
    `[release] gloo addon ${version}: glibc >= ${distributedInfo.glibcFloor}, libstdc++ >= ${distributedInfo.glibcxxFloor}, needs ${deps.needed.join(' ')}`,
  );
}

// --- dist/ ------------------------------------------------------------------------------------
if (!opts['no-tsc']) {
  const t = Date.now();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const dir of publishable) {
    const r = spawnSync(process.execPath, [tsc, '-p', join(root, dir, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
    if (r.status !== 0) fail(`${dir} does not compile (output above)`);
  }
  console.log(`[release] dist/ rebuilt in ${seconds(t)} s`);
}

// --- pack ---------------------------------------------------------------------------------------
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'deepsc-release-'));

function pack(dir) {
  const text = execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: dir,
    env: cleanEnv,
    encoding: 'utf8',
  });
  const [r] = JSON.parse(text);
  return {
    name: r.name,
    file: r.filename,
    size: r.size,
    unpackedSize: r.unpackedSize,
    files: r.files.map((f) => f.path),
  };
}

const packed = [];
try {
  if (engine) {
    const dir = join(stage, 'engine');
    cpSync(join(root, engineDir), dir, { recursive: true });
    copyFileSync(engine, join(dir, 'deepsc_native.node'));
    writeFileSync(join(dir, 'deepsc_native.build.json'), `${JSON.stringify(engineInfo, null, 2)}\n`);
    packed.push(pack(dir));
  }
  if (distributed) {
    const dir = join(stage, 'distributed');
    cpSync(join(root, distributedDir), dir, { recursive: true });
    copyFileSync(distributed, join(dir, 'deepsc_distributed.node'));
    writeFileSync(
      join(dir, 'deepsc_distributed.build.json'),
      `${JSON.stringify(distributedInfo, null, 2)}\n`,
    );
    packed.push(pack(dir));
  }
  for (const dir of publishable) {
    const p = pack(join(root, dir));
    for (const need of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'])
      if (!p.files.includes(need)) fail(`${p.name}'s tarball lacks ${need}`);
    const stray = p.files.find((f) => /(^|\/)test\/|\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(f));
    if (stray) fail(`${p.name}'s tarball holds ${stray}`);
    packed.push(p);
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}

if (!opts['no-publish-check']) {
  for (const p of packed) {
    const r = spawnSync('npm', ['publish', '--dry-run', join(out, p.file)], {
      env: cleanEnv,
      encoding: 'utf8',
    });
    // Not being logged in is this machine's state, not the package's: `npm publish` asks for it.
    const warnings = `${r.stderr}`
      .split('\n')
      .filter((l) => /^npm (warn|error)\b/i.test(l) && !/requires you to be logged in .*\(dry-run\)/.test(l));
    if (r.status !== 0 || warnings.length)
      fail(`npm publish --dry-run ${p.file}:\n${warnings.join('\n') || r.stderr}`);
  }
  console.log('[release] npm publish --dry-run: clean for every tarball');
}

const summary = {
  version,
  engine: engineInfo ?? null,
  distributed: distributedInfo ?? null,
  tarballs: packed.map(({ name, file, size, unpackedSize }) => ({ name, file, size, unpackedSize })),
};
writeFileSync(join(out, 'release.json'), `${JSON.stringify(summary, null, 2)}\n`);
for (const p of packed)
  console.log(
    `${p.name.padEnd(35)} ${(p.size / 1024).toFixed(0).padStart(7)} kB  (${(p.unpackedSize / 1024).toFixed(0)} kB unpacked)  ${p.file}`,
  );
console.log(`[release] ${packed.length} tarballs in ${out} (${seconds(started)} s)`);
