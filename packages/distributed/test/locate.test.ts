/**
 * Where the gloo addon is looked for (the env variable, the platform package, a local build) and
 * what the loader says when there is none, when one does not load, and when the dynamic linker
 * cannot find gloo's library (a real dlopen failure: a copy of the built addon whose DT_NEEDED
 * names a libgloo that does not exist).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadDistributedBinding, localAddonPath } from '../src/binding.js';
import { DistributedUnavailableError } from '../src/errors.js';
import {
  addonPathVariable,
  type Located,
  locateAddon,
  missingGloo,
  noAddonAdvice,
  prebuiltAddonFile,
} from '../src/locate.js';
import { unavailable } from './support/available.js';

const pkg = '/app/node_modules/@deepsc/distributed-linux-x64-gnu';
const prebuilt = join(pkg, prebuiltAddonFile);
const local = '/app/node_modules/@deepsc/distributed/build/bin/linux-x64/deepsc_distributed.node';

describe('locateAddon', () => {
  const cases: {
    name: string;
    env?: Record<string, string>;
    tag?: string;
    dir?: string;
    files: string[];
    want: Located;
  }[] = [
    {
      name: 'the platform package first, then a local build',
      dir: pkg,
      files: [prebuilt, local],
      want: {
        candidates: [
          { source: 'prebuilt', path: prebuilt },
          { source: 'local', path: local },
        ],
        absent: [],
      },
    },
    {
      name: 'the platform package alone',
      dir: pkg,
      files: [prebuilt],
      want: {
        candidates: [{ source: 'prebuilt', path: prebuilt }],
        absent: [`local build: none at ${local}`],
      },
    },
    {
      name: 'no platform package: the local build',
      files: [local],
      want: {
        candidates: [{ source: 'local', path: local }],
        absent: ['prebuilt: @deepsc/distributed-linux-x64-gnu is not installed'],
      },
    },
    {
      name: 'the workspace link of the platform package (no binary in it)',
      dir: pkg,
      files: [local],
      want: {
        candidates: [{ source: 'local', path: local }],
        absent: [`prebuilt: @deepsc/distributed-linux-x64-gnu at ${pkg} has no deepsc_distributed.node`],
      },
    },
    {
      name: 'a platform with no published package, nothing built',
      tag: 'linux-arm64-gnu',
      files: [],
      want: {
        candidates: [],
        absent: ['prebuilt: none is published for linux-arm64-gnu', `local build: none at ${local}`],
      },
    },
    {
      name: 'the env variable wins over everything',
      env: { [addonPathVariable]: '/dev/x.node' },
      dir: pkg,
      files: ['/dev/x.node', prebuilt, local],
      want: { candidates: [{ source: 'env', path: '/dev/x.node' }], absent: [] },
    },
    {
      name: 'the env variable naming a missing file: no fallback',
      env: { [addonPathVariable]: '/dev/missing.node' },
      dir: pkg,
      files: [prebuilt, local],
      want: { candidates: [], absent: [`${addonPathVariable}=/dev/missing.node: no such file`] },
    },
    {
      name: 'an empty env variable is unset',
      env: { [addonPathVariable]: '' },
      files: [local],
      want: {
        candidates: [{ source: 'local', path: local }],
        absent: ['prebuilt: @deepsc/distributed-linux-x64-gnu is not installed'],
      },
    },
  ];
  it.each(cases)('$name', ({ env = {}, tag = 'linux-x64-gnu', dir, files, want }) => {
    const got = locateAddon({
      env,
      tag,
      prebuiltDir: dir,
      localPath: local,
      exists: (p) => files.includes(p),
    });
    expect(got).toEqual(want);
  });
});

describe('the advice', () => {
  it.each([
    {
      tag: 'linux-x64-gnu',
      has: [
        'npm i @deepsc/distributed-linux-x64-gnu@0.1.0',
        'libgloo0',
        'libgloo-dev',
        'npx deepsc-build-distributed',
      ],
    },
    {
      tag: 'darwin-arm64',
      has: ['no prebuilt addon is published for darwin-arm64', 'libgloo-dev', 'npx deepsc-build-distributed'],
    },
  ])('with no addon on $tag', ({ tag, has }) => {
    const advice = noAddonAdvice(tag, '0.1.0');
    for (const h of has) expect(advice).toContain(h);
    if (tag !== 'linux-x64-gnu') expect(advice).not.toContain('npm i @deepsc/distributed-');
  });

  it.each([
    ['libgloo.so.0: cannot open shared object file: No such file or directory', true],
    ['/x/a.node: libgloo.so.0: cannot open shared object file: No such file or directory', true],
    ['libfoo.so.1: cannot open shared object file: No such file or directory', false],
    ['/x/a.node: undefined symbol: _ZN4gloo7Context4rankEv', false],
    ['/x/a.node: invalid ELF header', false],
  ])('missingGloo(%j) is %s', (message, want) => {
    expect(missingGloo(message)).toBe(want);
  });
});

describe('loadDistributedBinding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepsc-locate-'));
  const saved = process.env[addonPathVariable];
  afterEach(() => {
    if (saved === undefined) delete process.env[addonPathVariable];
    else process.env[addonPathVariable] = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a file that is not an addon, and what to do', () => {
    const bad = join(dir, 'not-an-addon.node');
    writeFileSync(bad, 'not an ELF file');
    process.env[addonPathVariable] = bad;
    expect(() => loadDistributedBinding()).toThrow(DistributedUnavailableError);
    expect(() => loadDistributedBinding()).toThrow(
      new RegExp(`env: ${bad} does not load .*npx deepsc-build-distributed`),
    );
  });

  it.skipIf(unavailable !== undefined)('names libgloo0 when the dynamic linker cannot find gloo', () => {
    const bytes = readFileSync(localAddonPath);
    const needed = Buffer.from('libgloo.so.0\0');
    const at = bytes.indexOf(needed);
    expect(at).toBeGreaterThan(0);
    // Same length, a library that exists nowhere: dlopen fails exactly as without libgloo0.
    Buffer.from('libgloo.so.9\0').copy(bytes, at);
    const copy = join(dir, 'no-gloo.node');
    writeFileSync(copy, bytes);
    process.env[addonPathVariable] = copy;
    expect(() => loadDistributedBinding()).toThrow(
      /the gloo library is missing \(.*libgloo\.so\.9: cannot open shared object file.*\): .*apt-get install libgloo0/,
    );
  });

  it.skipIf(unavailable !== undefined)('loads the addon named by the env variable', () => {
    const copy = join(dir, 'copy.node');
    copyFileSync(localAddonPath, copy);
    process.env[addonPathVariable] = copy;
    const b = loadDistributedBinding();
    expect(typeof b.NativeProcessGroup).toBe('function');
    expect(Number.isInteger(b.hookAbiVersion)).toBe(true);
  });
});
