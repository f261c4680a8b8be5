import { type EngineStatus, engineStatus, packageVersion } from '@deepsc/native';
import type { Command } from 'commander';
import { printJson } from '../output.js';

/** What `deepsc info` prints: versions, which engine was found and what it can do. */
export interface InfoReport {
  /** Version of the DeepSC packages (released in lockstep). */
  deepsc: string;
  node: string;
  /** Platform tag, e.g. `linux-x64-gnu`. */
  platform: string;
  /** Where the engine came from: the prebuilt package, a local build, DEEPSC_NATIVE_PATH, or none found. */
  engine: 'prebuilt' | 'local' | 'DEEPSC_NATIVE_PATH' | 'none';
  /** The prebuilt package for this platform (whether or not it is installed). */
  enginePackage: string;
  /** Whether a prebuilt package is published for this platform. */
  enginePackagePublished: boolean;
  enginePath: string | null;
  engineVersion: string | null;
  /** Why no engine loaded (the loader's message: what was tried and how to get one). */
  engineError?: string;
  threads: number | null;
  isa: string | null;
  detectedIsa: string | null;
  cudaBuilt: boolean | null;
  /** CUDA code compiled in (`90-real` machine code, `120-virtual` PTX); null when the build did not record it. */
  cudaArchitectures: string[] | null;
  cudaDevices: string[];
  /** The compile precisions the CUDA device accepts (`fp32`; `tf32`, `bf16` in a DEEPSC_CUDA_LOWP build); empty without CUDA. */
  cudaPrecisions: string[];
  /** Newest glibc the engine needs; null when unknown or not on glibc. */
  glibcFloor: string | null;
  ops: number | null;
}

/** The report for an engine status (pure: the command prints it). */
export function infoReport(status: EngineStatus): InfoReport {
  const base = {
    deepsc: packageVersion,
    node: process.version,
    platform: status.target.tag,
    enginePackage: status.target.packageName,
    enginePackagePublished: status.target.published,
  };
  if (!status.found) {
    return {
      ...base,
      engine: 'none',
      enginePath: null,
      engineVersion: null,
      engineError: status.error,
      threads: null,
      isa: null,
      detectedIsa: null,
      cudaBuilt: null,
      cudaArchitectures: null,
      cudaDevices: [],
      cudaPrecisions: [],
      glibcFloor: null,
      ops: null,
    };
  }
  const { info, build } = status;
  return {
    ...base,
    engine: status.source === 'env' ? 'DEEPSC_NATIVE_PATH' : status.source,
    enginePath: status.path,
    engineVersion: info.version,
    threads: info.threads,
    isa: info.isa,
    detectedIsa: info.detectedIsa,
    cudaBuilt: info.cudaBuilt,
    cudaArchitectures: info.cudaBuilt ? (build?.cudaArchitectures ?? null) : [],
    cudaDevices: info.cudaDevices,
    cudaPrecisions: info.cudaPrecisions,
    glibcFloor: build?.glibcFloor ?? null,
    ops: info.ops.length,
  };
}

/** The report as aligned `key value` lines. */
export function formatInfo(r: InfoReport): string {
  const lines: [string, string][] = [
    ['deepsc', r.deepsc],
    ['node', r.node],
    ['platform', r.platform],
  ];
  if (r.engine === 'none') {
    lines.push(['engine', `none found (expected ${r.enginePackage})`], ['error', r.engineError ?? '']);
  } else {
    const archs = r.cudaArchitectures === null ? 'not recorded' : r.cudaArchitectures.join(' ') || '(none)';
    lines.push(
      [
        'engine',
        `${r.engine === 'prebuilt' ? `prebuilt (${r.enginePackage})` : r.engine} ${r.engineVersion}`,
      ],
      ['path', r.enginePath ?? ''],
      ['threads', String(r.threads)],
      ['isa', `${r.isa} (cpu supports ${r.detectedIsa})`],
      ['cuda', r.cudaBuilt ? `built in: ${archs}; precisions ${r.cudaPrecisions.join(' ')}` : 'not built in'],
      ['devices', r.cudaDevices.join(', ') || '(none)'],
      ['glibc', r.glibcFloor ? `>= ${r.glibcFloor}` : 'not recorded'],
      ['ops', String(r.ops)],
    );
  }
  return lines.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n');
}

/** `deepsc info`: versions, which engine was found (or why none), its SIMD level, CUDA build and devices. Never fails. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description(
      'print versions, the engine found (prebuilt, local build or none), threads, SIMD level, CUDA architectures and devices',
    )
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const report = infoReport(engineStatus());
      if (opts.json) return printJson(report);
      console.log(formatInfo(report));
    });
}
