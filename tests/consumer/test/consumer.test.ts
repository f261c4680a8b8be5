// `npm i @deepsc/core` as a user does it: every publishable package and the prebuilt engine are
// packed (`npm run release:pack -- --reuse-engine`, reusing the engine the test build made),
// installed into fresh projects outside the repository with default npm settings (third-party
// dependencies from the registry) and a PATH with no cmake, no C/C++ compiler and no nvcc, and
// used: @deepsc/io alone, @deepsc/core training, `npx deepsc`, what an op-plugin author needs
// (the plugin header and @deepsc/native/testing, from the installed package), strict TypeScript consumers
// (this repository's TS and TS 7), @deepsc/distributed's prebuilt gloo addon (a 2-process
// all-reduce; then its clear errors without libgloo.so.0 and without the addon package). Then the
// engine package is removed: the clear error, and `deepsc info` still exits 0. Timings go to
// stdout (the release notes quote them).
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = realpathSync(fileURLToPath(new URL('../../../', import.meta.url)));
const here = fileURLToPath(new URL('../project/', import.meta.url));
const enginePackage = '@deepsc/native-linux-x64-gnu';
const distributedPackage = '@deepsc/distributed-linux-x64-gnu';
/** Whether this machine has gloo's shared library (libgloo0), which the prebuilt addon links. */
const hasGloo = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'].some((d) =>
  existsSync(join(d, 'libgloo.so.0')),
);
const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
const onLinuxGnu =
  process.platform === 'linux' && process.arch === 'x64' && Boolean(report?.header?.glibcVersionRuntime);

const work = realpathSync(mkdtempSync(join(tmpdir(), 'deepsc-consumer-')));
const bin = join(work, 'bin');
const tarballs = join(work, 'tarballs');
const timings: Record<string, number> = {};

/** The environment of a user's shell: none of npm's or vitest's settings, only a bare PATH. */
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) {
  if (v === undefined || /^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$|DEEPSC_|CUDACXX$|TURBO_)/i.test(k)) continue;
  env[k] = v;
}
env.PATH = bin;

function run(
  cwd: string,
  command: string,
  args: string[],
  timeoutMs = 240_000,
): SpawnSyncReturns<string> & { ms: number } {
  const t = performance.now();
  const r = spawnSync(join(bin, command), args, { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return Object.assign(r, { ms: performance.now() - t });
}
const ok = (r: SpawnSyncReturns<string>) =>
  `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${r.stdout}\n${r.stderr}`;

function project(name: string, files: string[] = []): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' })}\n`,
  );
  for (const f of files) copyFileSync(join(here, f), join(dir, f));
  return dir;
}

let packed: { name: string; file: string; size: number }[] = [];
const tarball = (name: string) => {
  const p = packed.find((x) => x.name === name);
  if (!p) throw new Error(`${name} was not packed`);
  return join(tarballs, p.file);
};

beforeAll(() => {
  expect(work.startsWith(repo)).toBe(false);
  // The bare PATH: node, npm, npx and a shell, nothing else.
  mkdirSync(bin);
  const which = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(process.execPath, join(bin, 'node'));
  for (const tool of ['npm', 'npx']) symlinkSync(realpathSync(which(tool)), join(bin, tool));
  symlinkSync('/bin/sh', join(bin, 'sh'));

  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      join(repo, 'scripts', 'release-pack.mjs'),
      '--reuse-engine',
      '--no-tsc',
      '--no-publish-check',
      '--out',
      tarballs,
    ],
    { cwd: repo, env: { ...env, PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 240_000 },
  );
  expect(r.status, ok(r)).toBe(0);
  timings.packSeconds = (performance.now() - t) / 1000;
  packed = JSON.parse(readFileSync(join(tarballs, 'release.json'), 'utf8')).tarballs;
}, 300_000);

afterAll(() => {
  console.log(`[consumer] ${JSON.stringify({ timings, tarballs: packed.map((p) => [p.name, p.size]) })}`);
  rmSync(work, { recursive: true, force: true });
});

describe('the packages as a user installs them', () => {
  it('are all packed, the engine package too, with no install scripts', () => {
    const names = packed.map((p) => p.name).sort();
    const expected = [
      '@deepsc/cli',
      '@deepsc/core',
      '@deepsc/deepsc-covid',
      '@deepsc/distributed',
      '@deepsc/eval',
      '@deepsc/io',
      '@deepsc/native',
      '@deepsc/random',
      '@deepsc/train',
      '@deepsc/unet3d',
    ];
    expect(names).toEqual(onLinuxGnu ? [...expected, enginePackage, distributedPackage].sort() : expected);
    for (const p of packed) expect(p.size).toBeGreaterThan(0);
  });

  it.each(['cmake', 'cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'nvcc', 'make', 'python3'])(
    'the PATH has no %s',
    (tool) => {
      const r = run(work, 'sh', ['-c', `command -v ${tool}`]);
      expect(r.status, `${tool} is on the bare PATH: ${r.stdout}`).not.toBe(0);
    },
  );

  it('@deepsc/io alone reads a NIfTI file (no engine installed)', () => {
    const dir = project('io-only', ['read-nifti.mjs']);
    const i = run(dir, 'npm', ['install', '--no-audit', '--no-fund', tarball('@deepsc/io')]);
    expect(i.status, ok(i)).toBe(0);
    timings.ioInstallSeconds = i.ms / 1000;
    expect(readdirSync(join(dir, 'node_modules', '@deepsc'))).toEqual(['io']);
    const r = run(dir, 'node', ['read-nifti.mjs']);
    expect(r.status, ok(r)).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.dims).toEqual([2, 3, 4]);
    expect(got.spacing).toEqual([0.5, 1, 2]);
    expect(got.affine).toEqual([0.5, 0, 0, -10, 0, 1, 0, 20, 0, 0, 2, 30, 0, 0, 0, 1]);
    expect(got.values).toEqual(Array.from({ length: 24 }, (_, i) => i * 0.25 - 1));
    expect(got.format).toBe('nifti');
    expect(got.sameData).toBe(true);
  });

  describe.skipIf(!onLinuxGnu)('everything, with the prebuilt engine (linux-x64-gnu)', () => {
    let app: string;
    beforeAll(() => {
      app = project('app', [
        'train-three-steps.mjs',
        'types.ts',
        'first-op.mjs',
        'plugin-kit.mjs',
        'all-reduce.mjs',
        'no-addon.mjs',
      ]);
      const i = run(app, 'npm', [
        'install',
        '--no-audit',
        '--no-fund',
        ...packed.map((p) => join(tarballs, p.file)),
      ]);
      expect(i.status, ok(i)).toBe(0);
      timings.installSeconds = i.ms / 1000;
    }, 300_000);

    it('npm installed no install scripts and no build tools', () => {
      for (const name of readdirSync(join(app, 'node_modules', '@deepsc'))) {
        const pkg = JSON.parse(
          readFileSync(join(app, 'node_modules', '@deepsc', name, 'package.json'), 'utf8'),
        );
        for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
          expect(pkg.scripts?.[hook], `@deepsc/${name} has a ${hook} script`).toBeUndefined();
      }
      for (const tool of ['cmake-js', 'node-addon-api', 'node-gyp'])
        expect(existsSync(join(app, 'node_modules', tool)), `${tool} was installed`).toBe(false);
    });

    it('@deepsc/core builds a small 3D network and three training steps lower the loss', () => {
      const r = run(app, 'node', ['train-three-steps.mjs']);
      expect(r.status, ok(r)).toBe(0);
      const { losses } = JSON.parse(r.stdout) as { losses: number[] };
      expect(losses).toHaveLength(3);
      for (const l of losses) expect(Number.isFinite(l)).toBe(true);
      expect(losses[1]).toBeLessThan(losses[0] as number);
      expect(losses[2]).toBeLessThan(losses[1] as number);
      timings.trainScriptSeconds = r.ms / 1000;
      timings.installToTrainedSeconds = (timings.installSeconds ?? 0) + r.ms / 1000;
    });

    it('npx deepsc info finds the prebuilt engine', () => {
      const r = run(app, 'npx', ['deepsc', 'info', '--json']);
      expect(r.status, ok(r)).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ engine: 'prebuilt', enginePackage: enginePackage, engineVersion: j.deepsc });
      expect(j.enginePath).toBe(join(app, 'node_modules', enginePackage, 'deepsc_native.node'));
      expect(j.glibcFloor).toMatch(/^2\.\d+$/);
      expect(Array.isArray(j.cudaArchitectures)).toBe(true);
      const text = run(app, 'npx', ['deepsc', 'info']);
      expect(text.status, ok(text)).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^engine +prebuilt \\(${enginePackage}\\)`, 'm'));
    });

    it('a plugin author finds the plugin header and @deepsc/native/testing in the installed package', () => {
      const r = run(app, 'node', ['plugin-kit.mjs']);
      expect(r.status, ok(r)).toBe(0);
      const j = JSON.parse(r.stdout);
      const native = join(app, 'node_modules', '@deepsc', 'native');
      expect(j.root).toBe(native);
      expect(j).toMatchObject({ header: true, entryMacro: true, loaded: 0 });
      expect(j.headerAbi).toBe(j.engineAbi);
      expect(j.testing).toBe(`file://${join(native, 'dist', 'testing', 'index.js')}`);
      expect(j.wrongReference).toMatch(/^sigmoid \[3, 5\]: output 0: worst at/);
      expect(j.missing).toContain(`no plugin library at '${join(native, 'no-such-plugin.so')}'`);
    });

    it('npx deepsc synth --out c --n 2 writes a cohort', () => {
      const r = run(app, 'npx', ['deepsc', 'synth', '--out', 'c', '--n', '2']);
      expect(r.status, ok(r)).toBe(0);
      const manifest = JSON.parse(readFileSync(join(app, 'c', 'manifest.json'), 'utf8'));
      expect(JSON.stringify(manifest)).toContain('.nii');
    });

    it("a strict TypeScript consumer (this repository's TS) compiles types from every package", () => {
      expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).devDependencies).toBeUndefined();
      const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = run(app, 'node', [tsc, '--module', 'nodenext', '--strict', '--noEmit', 'types.ts']);
      expect(r.status, ok(r)).toBe(0);
    });

    it('a strict TypeScript 7 consumer compiles them too', () => {
      const ts7 = project('ts7');
      const i = run(ts7, 'npm', ['install', '--no-audit', '--no-fund', 'typescript@7']);
      expect(i.status, ok(i)).toBe(0);
      const v = run(app, 'node', [join(ts7, 'node_modules', 'typescript', 'bin', 'tsc'), '--version']);
      expect(v.stdout).toMatch(/Version 7\./);
      const r = run(app, 'node', [
        join(ts7, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--module',
        'nodenext',
        '--strict',
        '--noEmit',
        'types.ts',
      ]);
      expect(r.status, ok(r)).toBe(0);
    });

    describe("@deepsc/distributed's prebuilt gloo addon", () => {
      it.skipIf(!hasGloo)('two processes broadcast and all-reduce through it (needs libgloo0)', () => {
        const r = run(app, 'node', ['all-reduce.mjs'], 60_000);
        expect(r.status, ok(r)).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({
          broadcast: [1.5, -2, 3],
          sum: [3, 30],
          rank1: 0,
          addon: join(app, 'node_modules', distributedPackage, 'deepsc_distributed.node'),
        });
        timings.allReduceSeconds = r.ms / 1000;
      });

      it('without libgloo.so.0 the error names the package to install (libgloo0)', () => {
        const addon = join(app, 'node_modules', distributedPackage, 'deepsc_distributed.node');
        const bytes = readFileSync(addon);
        const at = bytes.indexOf(Buffer.from('libgloo.so.0\0'));
        expect(at).toBeGreaterThan(0);
        // The same dlopen failure as a machine without libgloo0: DT_NEEDED names a missing library.
        Buffer.from('libgloo.so.9\0').copy(bytes, at);
        writeFileSync(addon, bytes);
        const r = run(app, 'node', ['no-addon.mjs']);
        expect(r.status, ok(r)).toBe(0);
        const { name, message } = JSON.parse(r.stdout);
        expect(name).toBe('DistributedUnavailableError');
        expect(message).toMatch(
          /^the gloo library is missing \(.*libgloo\.so\.9: cannot open shared object file/,
        );
        expect(message).toContain('apt-get install libgloo0');
      });

      it('without the addon package the error says to install it or how to build one', () => {
        rmSync(join(app, 'node_modules', distributedPackage), { recursive: true, force: true });
        const r = run(app, 'node', ['no-addon.mjs']);
        expect(r.status, ok(r)).toBe(0);
        const { name, message } = JSON.parse(r.stdout);
        expect(name).toBe('DistributedUnavailableError');
        expect(message).toContain(`${distributedPackage} is not installed`);
        expect(message).toContain(`npm i ${distributedPackage}@`);
        expect(message).toContain('apt-get install libgloo-dev');
        expect(message).toContain('npx deepsc-build-distributed');
      });
    });

    describe('without the engine package (optional dependencies omitted)', () => {
      beforeAll(() => rmSync(join(app, 'node_modules', enginePackage), { recursive: true, force: true }));

      it('the first engine call throws one error naming the package and how to build', () => {
        const r = run(app, 'node', ['first-op.mjs']);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain('EngineLoadError');
        expect(r.stderr).toContain(`${enginePackage} is not installed`);
        expect(r.stderr).toContain(`npm i ${enginePackage}@`);
        expect(r.stderr).toContain('npx deepsc-build-native');
      });

      it('npx deepsc info exits 0 and says no engine was found', () => {
        const r = run(app, 'npx', ['deepsc', 'info']);
        expect(r.status, ok(r)).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^engine +none found \\(expected ${enginePackage}\\)`, 'm'));
        const j = run(app, 'npx', ['deepsc', 'info', '--json']);
        expect(j.status, ok(j)).toBe(0);
        expect(JSON.parse(j.stdout)).toMatchObject({ engine: 'none', enginePath: null, threads: null });
        expect(JSON.parse(j.stdout).engineError).toContain('npx deepsc-build-native');
      });

      it('a deepsc command that needs the engine exits 2 naming the package (not 1, a bug)', () => {
        writeFileSync(
          join(app, 'no-engine.json'),
          JSON.stringify({
            model: { preset: 'tiny' },
            out: 'no-engine-run',
            data: { manifest: 'c/manifest.json' },
          }),
        );
        const r = run(app, 'npx', ['deepsc', 'train', '--config', 'no-engine.json', '--progress', 'off']);
        expect(r.status, ok(r)).toBe(2);
        expect(r.stderr).toContain(`${enginePackage} is not installed`);
        expect(r.stderr).not.toContain('--verbose');
      });

      it('npx deepsc-build-native says which build tools to install (exit 2)', () => {
        const r = run(app, 'npx', ['deepsc-build-native', '--cpu-only']);
        expect(r.status, ok(r)).toBe(2);
        expect(r.stderr).toContain('npm i -D cmake-js@^8 node-addon-api@^8');
      });
    });
  });
});
