/**
 * The model registry: a registry name, a package name or a module path to the module's `model`
 * export, and the errors (ConfigError, exit 2 in the CLI) naming the field and what is wrong.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isModulePath, KNOWN_MODELS, resolveModel } from '../src/index.js';

/** A module source whose `model` export has every member of a ModelSpec. */
const specModule = (name: string) => `
const f = () => { throw new Error('not called'); };
export const model = {
  name: ${JSON.stringify(name)}, version: '1.2.3', description: 'a test model', presets: ['tiny'],
  resolveConfig: f, tasks: f, scanGrid: f, minimumInput: f, optimizer: f, create: f,
  makeBatch: f, trainingStep: f, predict: f,
};
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deepsc-registry-'));
  const files: Record<string, string> = {
    'good.mjs': specModule('my-net'),
    'named-other.mjs': specModule('other'),
    'no-model.mjs': 'export const notModel = 1;\n',
    'half.mjs':
      "export const model = { name: 'half', version: '1', description: 'x', presets: [], create() {} };\n",
    'throws.mjs': "throw new Error('boom at load');\n",
    'broken-dep.mjs': "import '@deepsc/no-such-dependency';\nexport const model = {};\n",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, 'sub'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problemOf = async (p: Promise<unknown>): Promise<ConfigError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
};

describe('resolveModel', () => {
  it.each([
    ['an absolute path', () => join(dir, 'good.mjs'), {}],
    ['a relative path against baseDir', () => './good.mjs', { baseDir: '<dir>' }],
    ['a parent-relative path', () => '../good.mjs', { baseDir: '<dir>/sub' }],
  ])('loads %s', async (_, name, opts) => {
    const baseDir = (opts as { baseDir?: string }).baseDir?.replace('<dir>', dir);
    const spec = await resolveModel(name(), baseDir ? { baseDir } : {});
    expect(spec.name).toBe('my-net');
    expect(spec.version).toBe('1.2.3');
  });

  it('loads a registry name through its package', async () => {
    await expect(
      resolveModel('my-net', { known: { 'my-net': pathToFileURL(join(dir, 'good.mjs')).href } }),
    ).resolves.toMatchObject({ name: 'my-net' });
  });

  it('ships deepsc-covid and unet3d', () => {
    expect(KNOWN_MODELS).toEqual({ 'deepsc-covid': '@deepsc/deepsc-covid', unet3d: '@deepsc/unet3d' });
  });

  it.each([
    [
      'an unknown name, listing the known ones',
      'resnet',
      {},
      'model.name: unknown model "resnet"; known: "deepsc-covid" (@deepsc/deepsc-covid), "unet3d" (@deepsc/unet3d)',
    ],
    ['an empty name', '', {}, 'model.name: expected a model name, got ""'],
    [
      'a known name whose package is not installed',
      'ghost',
      { known: { ghost: '@deepsc/ghost-not-installed' } },
      '"ghost" is the package @deepsc/ghost-not-installed, which is not installed here (npm i @deepsc/ghost-not-installed)',
    ],
    ['a missing module path', '<dir>/absent.mjs', {}, 'model.name: no module at <dir>/absent.mjs'],
    [
      "a module without a 'model' export",
      '<dir>/no-model.mjs',
      {},
      "its 'model' export is not a model spec (got undefined)",
    ],
    [
      'a module whose model lacks members',
      '<dir>/half.mjs',
      {},
      'missing resolveConfig(), tasks(), scanGrid(), minimumInput(), optimizer(), makeBatch(), trainingStep(), predict()',
    ],
    ['a module that throws when loaded', '<dir>/throws.mjs', {}, 'failed: boom at load'],
    ['a module whose own import is missing', '<dir>/broken-dep.mjs', {}, 'failed: '],
    [
      'a registry name whose package exports another model',
      'mine',
      { known: { mine: '<url>/named-other.mjs' } },
      'exports the model "other", not "mine"',
    ],
  ])('refuses %s, naming the field', async (_, name, opts, message) => {
    const known = (opts as { known?: Record<string, string> }).known;
    const e = await problemOf(
      resolveModel(name.replace('<dir>', dir), {
        source: 'run.json',
        ...(known
          ? {
              known: Object.fromEntries(
                Object.entries(known).map(([k, v]) => [k, v.replace('<url>', pathToFileURL(dir).href)]),
              ),
            }
          : {}),
      }),
    );
    expect(e.source).toBe('run.json');
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^model\.name: /);
    expect(e.problems[0]).toContain(message.replace('<dir>', dir));
  });

  it('names the field it was given (--model)', async () => {
    const e = await problemOf(resolveModel('nope', { source: 'command line', field: '--model' }));
    expect(e.message).toContain('invalid configuration in command line:\n  --model: unknown model "nope"');
  });
});

describe('isModulePath', () => {
  it.each([
    ['./net.js', true],
    ['../net', true],
    ['/abs/net', true],
    ['net.mjs', true],
    ['net.ts', true],
    ['deepsc-covid', false],
    ['@me/my-net', false],
    ['my-net', false],
  ])('%s -> %s', (name, want) => {
    expect(isModulePath(name)).toBe(want);
  });
});
