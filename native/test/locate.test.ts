import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineLoadError, engineStatus, packageVersion } from '../lib/binding.js';
import { buildInfoPath, type LocateInputs, locateEngine, readBuildInfo } from '../lib/locate.js';
import { platformTarget } from '../lib/platform.js';

const linuxGnu = platformTarget('linux', 'x64', 'glibc');
const local = '/pkg/build/bin/linux-x64/deepsc_native-v0.1.0.node';
const prebuiltDir = '/app/node_modules/@deepsc/native-linux-x64-gnu';
const prebuilt = `${prebuiltDir}/deepsc_native.node`;

describe('platformTarget', () => {
  it.each([
    ['linux', 'x64', 'glibc', 'linux-x64-gnu', true],
    ['linux', 'x64', 'musl', 'linux-x64-musl', false],
    ['linux', 'arm64', 'glibc', 'linux-arm64-gnu', false],
    ['darwin', 'arm64', undefined, 'darwin-arm64', false],
    ['win32', 'x64', undefined, 'win32-x64', false],
  ] as const)('%s %s %s -> %s (published: %s)', (platform, arch, libc, tag, published) => {
    const t = platformTarget(platform, arch, libc);
    expect(t).toEqual({ tag, packageName: `@deepsc/native-${tag}`, published });
  });
});

describe('locateEngine', () => {
  const cases: {
    name: string;
    env?: Record<string, string>;
    dir?: string;
    files: string[];
    target?: ReturnType<typeof platformTarget>;
    candidates: string[];
    absent: RegExp[];
  }[] = [
    {
      name: 'prebuilt first, then the local build',
      dir: prebuiltDir,
      files: [prebuilt, local],
      candidates: [`prebuilt ${prebuilt}`, `local ${local}`],
      absent: [],
    },
    {
      name: 'only the prebuilt package',
      dir: prebuiltDir,
      files: [prebuilt],
      candidates: [`prebuilt ${prebuilt}`],
      absent: [/^local build: none at \/pkg\/build/],
    },
    {
      name: 'package not installed: the local build',
      files: [local],
      candidates: [`local ${local}`],
      absent: [/^prebuilt: @deepsc\/native-linux-x64-gnu is not installed$/],
    },
    {
      name: 'package folder without its binary (the repository workspace): the local build',
      dir: prebuiltDir,
      files: [local],
      candidates: [`local ${local}`],
      absent: [/has no deepsc_native\.node$/],
    },
    {
      name: 'nothing anywhere',
      files: [],
      candidates: [],
      absent: [/is not installed/, /^local build: none/],
    },
    {
      name: 'unpublished platform',
      target: platformTarget('darwin', 'arm64'),
      files: [],
      candidates: [],
      absent: [/^prebuilt: none is published for darwin-arm64$/, /^local build/],
    },
    {
      name: 'DEEPSC_NATIVE_PATH wins over everything',
      env: { DEEPSC_NATIVE_PATH: '/dev/kernel.node' },
      dir: prebuiltDir,
      files: ['/dev/kernel.node', prebuilt, local],
      candidates: ['env /dev/kernel.node'],
      absent: [],
    },
    {
      name: 'DEEPSC_NATIVE_PATH to a missing file: no silent fallback',
      env: { DEEPSC_NATIVE_PATH: '/dev/missing.node' },
      dir: prebuiltDir,
      files: [prebuilt, local],
      candidates: [],
      absent: [/^DEEPSC_NATIVE_PATH=\/dev\/missing\.node: no such file$/],
    },
    {
      name: 'an empty DEEPSC_NATIVE_PATH is unset',
      env: { DEEPSC_NATIVE_PATH: '' },
      files: [local],
      candidates: [`local ${local}`],
      absent: [/is not installed/],
    },
  ];
  it.each(cases)('$name', (c) => {
    const files = new Set(c.files);
    const inputs: LocateInputs = {
      env: c.env ?? {},
      target: c.target ?? linuxGnu,
      prebuiltDir: c.dir,
      localPath: local,
      exists: (p) => files.has(p),
    };
    const r = locateEngine(inputs);
    expect(r.candidates.map((x) => `${x.source} ${x.path}`)).toEqual(c.candidates);
    expect(r.absent).toHaveLength(c.absent.length);
    for (const [i, re] of c.absent.entries()) expect(r.absent[i]).toMatch(re);
  });
});

describe('readBuildInfo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepsc-buildinfo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('maps x.node to x.build.json', () => {
    expect(buildInfoPath('/a/deepsc_native-v1.2.3.node')).toBe('/a/deepsc_native-v1.2.3.build.json');
    expect(buildInfoPath('/a/deepsc_native.node')).toBe('/a/deepsc_native.build.json');
  });
  it.each([
    [
      'complete',
      {
        version: '1',
        cuda: true,
        cudaArchitectures: ['80-real', '90-virtual'],
        staticCxxRuntime: true,
        glibcFloor: '2.34',
      },
      {
        version: '1',
        cuda: true,
        cudaArchitectures: ['80-real', '90-virtual'],
        staticCxxRuntime: true,
        glibcFloor: '2.34',
      },
    ],
    [
      'without the optional fields',
      { version: '1', cuda: false, cudaArchitectures: [] },
      { version: '1', cuda: false, cudaArchitectures: [], staticCxxRuntime: false },
    ],
    ['cuda not a boolean', { version: '1', cuda: 'yes', cudaArchitectures: [] }, undefined],
    ['no version', { cuda: false, cudaArchitectures: [] }, undefined],
    ['not JSON', 'not json {', undefined],
  ])('%s', (name, content, expected) => {
    const addon = join(dir, `${name.replace(/\W/g, '_')}.node`);
    writeFileSync(buildInfoPath(addon), typeof content === 'string' ? content : JSON.stringify(content));
    expect(readBuildInfo(addon)).toEqual(expected);
  });
  it('is undefined without a file', () => {
    expect(readBuildInfo(join(dir, 'absent.node'))).toBeUndefined();
  });
});

describe('engineStatus', () => {
  it('reports the engine this repository loads: the local build, its version and info', () => {
    const s = engineStatus();
    expect(s.found).toBe(true);
    if (!s.found) return;
    expect(s.source).toBe('local');
    expect(s.info.version).toBe(packageVersion);
    expect(s.target.tag).toMatch(/^linux-x64-gnu$|^\w+-\w+/);
  });
  it('EngineLoadError names the expected package, what was tried and how to build', () => {
    const e = new EngineLoadError(linuxGnu, [
      'prebuilt: @deepsc/native-linux-x64-gnu is not installed',
      'local build: none at /x',
    ]);
    expect(e.message).toContain('no engine could be loaded for linux-x64-gnu');
    expect(e.message).toContain('@deepsc/native-linux-x64-gnu is not installed; local build: none at /x');
    expect(e.message).toContain(`npm i @deepsc/native-linux-x64-gnu@${packageVersion}`);
    expect(e.message).toContain('npx deepsc-build-native');
    const other = new EngineLoadError(platformTarget('darwin', 'arm64'), [
      'prebuilt: none is published for darwin-arm64',
    ]);
    expect(other.message).toContain('No prebuilt engine is published for darwin-arm64');
    expect(other.message).not.toContain('npm i @deepsc/native-');
    const env = new EngineLoadError(linuxGnu, ['DEEPSC_NATIVE_PATH=/x: no such file'], true);
    expect(env.message).toContain('Point DEEPSC_NATIVE_PATH at an engine built for version');
  });
});
