import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineInfo, type EngineStatus, platformTarget } from '@deepsc/native';
import { afterAll, describe, expect, it } from 'vitest';
import { benchmarksDir } from '../src/commands/bench.js';
import { formatInfo, infoReport } from '../src/commands/info.js';
import { runCli } from './support/run-cli.js';

const run = runCli;

describe('deepsc info', () => {
  it('prints JSON with the engine found here (the local build), its version, threads and SIMD level', async () => {
    const r = await run('info', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.deepsc).toBe('0.1.0');
    expect(j.engine).toBe('local');
    expect(j.engineVersion).toBe('0.1.0');
    expect(j.enginePath).toMatch(/build\/bin\/.*deepsc_native-v0\.1\.0\.node$/);
    expect(j.threads).toBeGreaterThanOrEqual(1);
    expect(['avx512', 'avx2', 'portable']).toContain(j.isa);
    expect(Array.isArray(j.cudaDevices)).toBe(true);
  });
  it('exits 2 on an unknown command', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command');
  });
});

const target = platformTarget('linux', 'x64', 'glibc');
const info: EngineInfo = {
  version: '0.1.0',
  napiVersion: 8,
  isa: 'avx2',
  detectedIsa: 'avx512',
  threads: 4,
  cudaBuilt: true,
  cudaDevices: ['NVIDIA H100 (sm_90, 81559 MiB)'],
  cudaPrecisions: ['fp32'],
  ops: ['relu', 'conv3d'],
};
const build = {
  version: '0.1.0',
  cuda: true,
  cudaArchitectures: ['80-real', '90-real', '120-virtual'],
  staticCxxRuntime: true,
  glibcFloor: '2.34',
};
const path = '/app/node_modules/@deepsc/native-linux-x64-gnu/deepsc_native.node';

describe('infoReport and formatInfo', () => {
  const cases: { name: string; status: EngineStatus; json: Record<string, unknown>; lines: RegExp[] }[] = [
    {
      name: 'prebuilt engine with CUDA and its build info',
      status: { found: true, target, source: 'prebuilt', path, build, info },
      json: {
        engine: 'prebuilt',
        enginePackage: '@deepsc/native-linux-x64-gnu',
        enginePath: path,
        engineVersion: '0.1.0',
        cudaArchitectures: ['80-real', '90-real', '120-virtual'],
        glibcFloor: '2.34',
        ops: 2,
      },
      lines: [
        /^engine +prebuilt \(@deepsc\/native-linux-x64-gnu\) 0\.1\.0$/m,
        /^isa +avx2 \(cpu supports avx512\)$/m,
        /^cuda +built in: 80-real 90-real 120-virtual; precisions fp32$/m,
        /^devices +NVIDIA H100/m,
        /^glibc +>= 2\.34$/m,
      ],
    },
    {
      name: 'local build without CUDA and without build info',
      status: {
        found: true,
        target,
        source: 'local',
        path: '/x/build/bin/linux-x64/deepsc_native-v0.1.0.node',
        build: undefined,
        info: { ...info, cudaBuilt: false, cudaDevices: [], cudaPrecisions: [] },
      },
      json: {
        engine: 'local',
        cudaBuilt: false,
        cudaArchitectures: [],
        glibcFloor: null,
        cudaDevices: [],
        cudaPrecisions: [],
      },
      lines: [
        /^engine +local 0\.1\.0$/m,
        /^cuda +not built in$/m,
        /^devices +\(none\)$/m,
        /^glibc +not recorded$/m,
      ],
    },
    {
      name: 'CUDA build whose architectures were not recorded',
      status: { found: true, target, source: 'env', path: '/dev/k.node', build: undefined, info },
      json: { engine: 'DEEPSC_NATIVE_PATH', cudaArchitectures: null },
      lines: [/^engine +DEEPSC_NATIVE_PATH 0\.1\.0$/m, /^cuda +built in: not recorded; precisions fp32$/m],
    },
    {
      name: 'CUDA build with the tensor-core precisions (DEEPSC_CUDA_LOWP)',
      status: {
        found: true,
        target,
        source: 'local',
        path: '/x/k.node',
        build: undefined,
        info: { ...info, cudaPrecisions: ['fp32', 'tf32', 'bf16'] },
      },
      json: { cudaPrecisions: ['fp32', 'tf32', 'bf16'] },
      lines: [/^cuda +built in: not recorded; precisions fp32 tf32 bf16$/m],
    },
    {
      name: 'no engine',
      status: {
        found: false,
        target,
        error: '@deepsc/native: no engine could be loaded for linux-x64-gnu (...)',
      },
      json: {
        engine: 'none',
        enginePath: null,
        engineVersion: null,
        threads: null,
        isa: null,
        cudaBuilt: null,
        cudaDevices: [],
        engineError: '@deepsc/native: no engine could be loaded for linux-x64-gnu (...)',
      },
      lines: [
        /^engine +none found \(expected @deepsc\/native-linux-x64-gnu\)$/m,
        /^error +@deepsc\/native: no engine could be loaded/m,
      ],
    },
  ];
  it.each(cases)('$name', ({ status, json, lines }) => {
    const r = infoReport(status);
    expect(r).toMatchObject({ deepsc: '0.1.0', platform: 'linux-x64-gnu', ...json });
    const text = formatInfo(r);
    for (const re of lines) expect(text).toMatch(re);
  });
});

describe('deepsc bench finds only the repository benchmarks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepsc-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const layout = (name: string, benchName: string | null) => {
    const root = join(dir, name);
    const from = join(root, 'node_modules', '@deepsc', 'cli', 'dist', 'commands');
    mkdirSync(from, { recursive: true });
    if (benchName !== null) {
      mkdirSync(join(root, 'benchmarks'));
      writeFileSync(join(root, 'benchmarks', 'package.json'), JSON.stringify({ name: benchName }));
    }
    return { root, from };
  };
  it.each([
    ['the repository workspace', '@deepsc/benchmarks', true],
    ["a user's own benchmarks/ folder", 'my-benchmarks', false],
    ['no benchmarks/ folder', null, false],
  ] as const)('%s', (name, benchName, found) => {
    const { root, from } = layout(name.replace(/\W/g, '_'), benchName);
    expect(benchmarksDir(from)).toBe(found ? join(root, 'benchmarks') : undefined);
  });
  it('this clone has them', () => {
    expect(benchmarksDir()).toMatch(/benchmarks$/);
  });
});
