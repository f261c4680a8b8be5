/**
 * The plugin template (examples/custom-op) as a user runs it: its build script finds the plugin
 * header through Node's resolution of @deepsc/native (no repository-relative path), builds the
 * shared library from a clean folder with CMake (the engine is not rebuilt), then its own test
 * suite runs: the case table with finite differences through @deepsc/native/testing, CUDA
 * against the CPU where a GPU is present, and a tiny network using the op that trains. A copy
 * outside the repository, whose only link to the engine is node_modules/@deepsc/native, builds
 * too (so the template holds no repository-relative path; tests/consumer checks that the
 * published tarball carries the header). docs/custom-ops.md's test file and training script run
 * as written in the built template, and the test file type-checks. Its build script's refusals
 * are a table.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { forward, loadOpLibrary } from '../lib/index.js';

const template = fileURLToPath(new URL('../../examples/custom-op/', import.meta.url));
const engine = join(template, '..', '..', 'native', 'build', 'bin');

/** The environment without this vitest run's own variables (the child is a separate run). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  return env;
}

describe('the custom-op template', () => {
  it('builds outside the repository, finding the header only through node_modules/@deepsc/native', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepsc-my-op-'));
    try {
      cpSync(template, dir, { recursive: true, filter: (src) => !/[/\\](build|node_modules)$/.test(src) });
      mkdirSync(join(dir, 'node_modules', '@deepsc'), { recursive: true });
      symlinkSync(join(template, '..', '..', 'native'), join(dir, 'node_modules', '@deepsc', 'native'));
      const build = spawnSync(process.execPath, ['scripts/build.mjs', '--cuda', 'off'], {
        cwd: dir,
        encoding: 'utf8',
        env: cleanEnv(),
      });
      expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
      const lib = loadOpLibrary(join(dir, 'build', 'libmy_swish.so'));
      expect(lib.ops.map((o) => o.name)).toEqual(['my_swish']);
      const [y] = forward('my_swish', { beta: 2 }, [{ data: Float32Array.from([0, 1]), shape: [2] }]);
      expect(y?.data[0]).toBe(0);
      expect(y?.data[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6); // x sigmoid(2 x) at x = 1
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('builds from clean without touching the engine, and its tests pass', () => {
    const engineFiles = (() => {
      const f = join(engine, `${process.platform}-${process.arch}`);
      return existsSync(f) ? statSync(f).mtimeMs : 0;
    })();
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--clean'], {
      cwd: template,
      encoding: 'utf8',
      env: cleanEnv(),
    });
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(build.stdout).toMatch(/\[my_swish\] .*libmy_swish\.so \((CPU only|CPU and CUDA)\) in [\d.]+ s/);
    console.log(build.stdout.split('\n').find((l) => l.startsWith('[my_swish]')));
    const tests = spawnSync(
      process.execPath,
      [join(template, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'), 'run'],
      {
        cwd: template,
        encoding: 'utf8',
        env: cleanEnv(),
      },
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
    const out = `${tests.stdout}\n${tests.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    expect(tests.status, out).toBe(0);
    expect(out).toMatch(/Tests\s+\S*14 passed/);
    // The engine's build folder was not written (the template builds only its own library).
    const after = existsSync(join(engine, `${process.platform}-${process.arch}`))
      ? statSync(join(engine, `${process.platform}-${process.arch}`)).mtimeMs
      : 0;
    expect(after).toBe(engineFiles);
  }, 180_000);

  it("docs/custom-ops.md's test and training blocks run as written in the built template", () => {
    // The guide's blocks: its test file (section 4) and its training script (section 5), put where
    // the guide puts them (test/, the package's folder) under names of their own, then removed.
    const guide = readFileSync(join(template, '..', '..', 'docs', 'custom-ops.md'), 'utf8');
    const blocks = [...guide.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
      lang: m[1],
      code: m[2] ?? '',
    }));
    const testBlock = blocks.find((b) => b.lang === 'ts' && b.code.includes('checkOp('));
    const trainBlock = blocks.find((b) => b.lang === 'js' && b.code.includes('trainStep('));
    expect(testBlock && trainBlock, 'the guide has a test block and a training block').toBeTruthy();
    const testFile = join(template, 'test', `guide-${process.pid}.test.ts`);
    const trainFile = join(template, `guide-train-${process.pid}.mjs`);
    const saved = join(template, 'my-net.safetensors');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
    const strip = (t: string) => t.replace(/\u001b\[[0-9;]*m/g, '');
    try {
      writeFileSync(testFile, testBlock?.code ?? '');
      writeFileSync(trainFile, trainBlock?.code ?? '');
      const tests = spawnSync(
        process.execPath,
        [join(template, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'), 'run', testFile],
        { cwd: template, encoding: 'utf8', env: cleanEnv() },
      );
      const out = strip(`${tests.stdout}\n${tests.stderr}`);
      expect(tests.status, out).toBe(0);
      expect(out).toMatch(/Tests\s+\S*6 passed/);
      // ...and type-checks with the template's strict settings (a missing import fails only here
      // on a machine without a GPU).
      const tsc = spawnSync(
        process.execPath,
        [
          join(template, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          'tsconfig.json',
          '--customConditions',
          'source',
        ],
        { cwd: template, encoding: 'utf8', env: cleanEnv() },
      );
      expect(tsc.status, `${tsc.stdout}\n${tsc.stderr}`).toBe(0);
      // In the repository @deepsc/core resolves to its TypeScript sources (tsx runs them).
      const train = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', trainFile], {
        cwd: template,
        encoding: 'utf8',
        env: cleanEnv(),
      });
      expect(train.status, `${train.stdout}\n${train.stderr}`).toBe(0);
      const losses = [...train.stdout.matchAll(/loss ([\d.]+)/g)].map((m) => Number(m[1]));
      expect(losses).toHaveLength(4);
      expect(losses.at(-1)).toBeLessThan((losses[0] as number) / 10); // the guide: 1.2 to 0.03
      expect(existsSync(saved)).toBe(true);
    } finally {
      for (const f of [testFile, trainFile, saved]) rmSync(f, { force: true });
    }
  }, 120_000);
});

describe("the template's build script refuses what it cannot do, naming it (exit 2, nothing built)", () => {
  // A PATH with node and nothing else: no cmake, no compiler, no nvcc.
  const bare = mkdtempSync(join(tmpdir(), 'deepsc-template-path-'));
  symlinkSync(process.execPath, join(bare, 'node'));
  // The same with cmake: no nvcc.
  const cmake = spawnSync('sh', ['-c', 'command -v cmake'], { encoding: 'utf8' }).stdout.trim();
  const noNvcc = join(bare, 'with-cmake');
  mkdirSync(noNvcc);
  symlinkSync(process.execPath, join(noNvcc, 'node'));
  if (cmake) symlinkSync(cmake, join(noNvcc, 'cmake'));
  afterAll(() => rmSync(bare, { recursive: true, force: true }));
  const cases: { name: string; args: string[]; path?: string; fragments: string[] }[] = [
    {
      name: 'an unknown option',
      args: ['--bogus'],
      fragments: ["Unknown option '--bogus'", 'usage: node scripts/build.mjs'],
    },
    {
      name: 'a bad --cuda',
      args: ['--cuda', 'maybe'],
      fragments: ["--cuda must be auto, on or off, got 'maybe'"],
    },
    {
      name: 'no cmake on PATH',
      args: [],
      path: bare,
      fragments: ['cmake was not found on PATH', 'C compiler'],
    },
    // (needs cmake, which the build test above needs too)
    ...(cmake
      ? [
          {
            name: '--cuda on with no nvcc on PATH',
            args: ['--cuda', 'on'],
            path: noNvcc,
            fragments: ['--cuda on: nvcc was not found on PATH'],
          },
        ]
      : []),
  ];
  it.each(cases)('$name', ({ args, path, fragments }) => {
    const env = cleanEnv();
    if (path) env.PATH = path;
    const r = spawnSync(process.execPath, ['scripts/build.mjs', ...args], {
      cwd: template,
      encoding: 'utf8',
      env,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(2);
    for (const f of fragments) expect(r.stderr).toContain(f);
    expect(r.stdout).toBe('');
  });

  it('--help prints the usage and exits 0', () => {
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--help'], {
      cwd: template,
      encoding: 'utf8',
      env: cleanEnv(),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: node scripts/build.mjs [--cuda auto|on|off] [--clean]');
  });
});
