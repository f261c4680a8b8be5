/**
 * The one gateway to the compiled engine: the only file that loads the `.node` addon. It tries,
 * in order (see `locate.ts`): the file named by `DEEPSC_NATIVE_PATH` (alone, when set), the
 * prebuilt platform package (`@deepsc/native-linux-x64-gnu`, an optional dependency npm picks
 * by os/cpu/libc), and a local build (`build/bin/<platform>-<arch>/deepsc_native-v<version>.node`,
 * from `npx deepsc-build-native`). When none loads it throws one {@link EngineLoadError} that
 * names the package it expected and how to build from source.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryStats, NativeModelConstructor } from './graph.js';
import {
  type BuildInfo,
  type EngineCandidate,
  type EngineSource,
  locateEngine,
  nativePathVariable,
  readBuildInfo,
} from './locate.js';
import { type PlatformTarget, platformTarget } from './platform.js';
import type { PreparedOp } from './prepared.js';

/** A float32 tensor as the engine sees it: contiguous row-major data and its shape. */
export interface RawTensor {
  data: Float32Array;
  shape: number[];
}

/** Attribute values an op accepts. */
export type AttrValue = number | boolean | string | readonly number[];
/** Op attributes: a plain object of {@link AttrValue}s. */
export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

/** What {@link NativeBinding.info} reports. */
export interface EngineInfo {
  /** Engine version; equals the `@deepsc/native` package version. */
  version: string;
  napiVersion: number;
  /** SIMD level in use: `avx512`, `avx2` or `portable`. */
  isa: 'avx512' | 'avx2' | 'portable';
  /** Best SIMD level the CPU supports. */
  detectedIsa: 'avx512' | 'avx2' | 'portable';
  /** Threads in the engine's pool (including the calling thread). */
  threads: number;
  /** Whether the addon was compiled with the CUDA backend. */
  cudaBuilt: boolean;
  /** Visible CUDA devices, e.g. `NVIDIA H100 (sm_90, 81559 MiB)`; empty without a GPU. */
  cudaDevices: string[];
  /**
   * The compile precisions the CUDA device accepts: `['fp32']` in a released engine,
   * `['fp32', 'tf32', 'bf16']` in one built with the CMake option `DEEPSC_CUDA_LOWP` (the
   * tensor-core kernels, not yet checked on a GPU); empty without the CUDA backend.
   */
  cudaPrecisions: ('fp32' | 'tf32' | 'bf16')[];
  /** Names of all registered ops. */
  ops: string[];
}

/** What {@link NativeBinding.peakFlops} measured. */
export interface PeakFlops {
  /** Multiply-add throughput of all threads together, in GFLOP/s (an FMA counts 2). */
  gflops: number;
  /** The same per thread. */
  perThreadGflops: number;
  threads: number;
  /** The ISA measured (the active one). */
  isa: 'avx512' | 'avx2' | 'portable';
  /** Wall time of the measurement. */
  seconds: number;
  /** The folded accumulators (keeps the work from being optimised away); meaningless. */
  sink: number;
}

/** Where an eager op call (`forward`, `backward`, `timeOp`) runs. */
export type EagerDevice = 'cpu' | 'cuda';

/** The raw functions the addon exports. Prefer the typed wrappers in `ops.ts`. */
export interface NativeBinding {
  info(): EngineInfo;
  /** Resizes the thread pool; returns the new size. Throws RangeError outside [1, 1024]. */
  setNumThreads(threads: number): number;
  /** Caps the SIMD level (for tests of every path); returns the level in force. */
  setIsa(isa: 'avx512' | 'avx2' | 'portable'): string;
  /** Output shapes of `op` for these input shapes (null = absent optional input). */
  inferShapes(op: string, attrs: Attrs, shapes: readonly (readonly number[] | null)[]): number[][];
  /**
   * Runs an op's forward pass synchronously on `device` (CUDA: inputs copied to device 0 and
   * back). `outputs` (caller-owned destinations) is CPU-only.
   */
  runForward(
    device: EagerDevice,
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    outputs?: readonly (RawTensor | null)[],
  ): RawTensor[];
  /**
   * Runs an op's backward pass on `device`: given the forward inputs and outputs and
   * dL/d(outputs) (null = zero), returns dL/d(input i) where `needGrad[i]`, else null.
   * `gradInputs` (caller-owned destinations) is CPU-only.
   */
  runBackward(
    device: EagerDevice,
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    outputs: readonly RawTensor[],
    gradOutputs: readonly (RawTensor | null)[],
    needGrad: readonly boolean[],
    gradInputs?: readonly (RawTensor | null)[],
  ): (RawTensor | null)[];
  /** What `op`'s backward reads of its forward inputs and outputs when computing the gradients `needGrad` (see `ops.ts`). */
  backwardReads(
    op: string,
    needGrad: readonly boolean[],
    inputs: number,
    outputs: number,
  ): { inputs: boolean[]; outputs: boolean[] };
  /** Milliseconds per call of an op on engine-owned (or device) buffers (see `timing.ts`). */
  timeOp(
    device: EagerDevice,
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    needGrad: readonly boolean[] | null,
    warmup: number,
    repeats: number,
  ): number[];
  /**
   * Measures this machine's multiply-add throughput on the active ISA with every pool thread
   * busy for about `seconds` (default 0.5, at most 60): the limit every kernel figure reads
   * against. Throws RangeError for a bad duration.
   */
  peakFlops(seconds?: number): PeakFlops;
  /** A zero-filled Float32Array of `numel` floats in counted native memory (64-byte aligned). */
  allocTensor(numel: number): Float32Array;
  /**
   * Frees native memory from {@link NativeBinding.allocTensor} now and detaches the buffer (views
   * read as empty). Returns false for JS-owned or already released memory.
   */
  releaseTensor(data: Float32Array): boolean;
  /** Live native bytes by category, for leak checks. */
  memoryStats(): MemoryStats;
  /** Compiled graphs: see `graph.ts`. */
  NativeModel: NativeModelConstructor;
  /** Prepared op calls: see `prepare` in `prepared.ts`. */
  PreparedOp: new (
    op: string,
    attrs: Attrs,
    inputShapes: readonly (readonly number[] | null)[],
  ) => PreparedOp;
  /** Ops with CUDA kernels; empty without the CUDA backend. Typed wrapper: `cuda.ts`. */
  cudaOps(): string[];
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Version of this package; the addon must report the same. */
export const packageVersion: string = JSON.parse(
  readFileSync(join(packageRoot, 'package.json'), 'utf8'),
).version;

/** Where a local build (`npx deepsc-build-native`) puts the addon for this platform and version. */
export function addonPath(): string {
  return join(
    packageRoot,
    'build',
    'bin',
    `${process.platform}-${process.arch}`,
    `deepsc_native-v${packageVersion}.node`,
  );
}

/** How to get an engine, for error messages. */
function remedy(target: PlatformTarget, overridden: boolean): string {
  if (overridden)
    return `Point ${nativePathVariable} at an engine built for version ${packageVersion} (\`npx deepsc-build-native\` writes one), or unset it.`;
  const build =
    'build it from source with `npx deepsc-build-native` (needs cmake >= 3.18, a C++20 compiler and ' +
    '`npm i -D cmake-js node-addon-api`; `--cpu-only` skips CUDA; see the @deepsc/native README)';
  return target.published
    ? `Install the prebuilt engine (\`npm i ${target.packageName}@${packageVersion}\`; npm adds it with @deepsc/native ` +
        `unless optional dependencies are omitted or the lockfile was made on another platform) or ${build}.`
    : `No prebuilt engine is published for ${target.tag}: ${build}.`;
}

/** No engine could be loaded: which platform package was expected, what was tried, how to fix it. */
export class EngineLoadError extends Error {
  override name = 'EngineLoadError';
  constructor(
    /** This machine's platform package. */
    readonly target: PlatformTarget,
    /** One line per place tried or found empty. */
    readonly attempts: readonly string[],
    /** Whether {@link nativePathVariable} chose the file. */
    overridden = false,
  ) {
    super(
      `@deepsc/native: no engine could be loaded for ${target.tag} (${attempts.join('; ')}). ${remedy(target, overridden)}`,
    );
  }
}

/** The engine that was loaded: where from, its path, and its build info when the build wrote one. */
export interface LoadedEngine {
  source: EngineSource;
  path: string;
  binding: NativeBinding;
  /** What the build recorded (CUDA architectures, glibc floor); absent for builds that wrote none. */
  build: BuildInfo | undefined;
}

function prebuiltDir(target: PlatformTarget): string | undefined {
  try {
    return dirname(require.resolve(`${target.packageName}/package.json`));
  } catch {
    return undefined;
  }
}

function tryLoad(c: EngineCandidate): { binding: NativeBinding } | { failure: string } {
  const label = c.source === 'env' ? nativePathVariable : c.source === 'local' ? 'local build' : 'prebuilt';
  let mod: NativeBinding;
  try {
    mod = require(c.path) as NativeBinding;
  } catch (err) {
    return { failure: `${label} ${c.path} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
  const v = mod.info().version;
  if (v !== packageVersion)
    return { failure: `${label} ${c.path} is version ${v}, @deepsc/native is ${packageVersion}` };
  return { binding: mod };
}

let loaded: LoadedEngine | undefined;

/**
 * Finds and loads the engine once (see the module comment for the order) and says where it came from.
 * @throws EngineLoadError when no candidate exists or none loads.
 */
export function loadEngine(): LoadedEngine {
  if (loaded) return loaded;
  const target = platformTarget();
  const { candidates, absent } = locateEngine({
    env: process.env,
    target,
    prebuiltDir: prebuiltDir(target),
    localPath: addonPath(),
    exists: existsSync,
  });
  const attempts = [...absent];
  for (const c of candidates) {
    const r = tryLoad(c);
    if ('binding' in r) {
      loaded = { source: c.source, path: c.path, binding: r.binding, build: readBuildInfo(c.path) };
      return loaded;
    }
    attempts.push(r.failure);
  }
  throw new EngineLoadError(target, attempts, Boolean(process.env[nativePathVariable]));
}

/**
 * Loads the engine once and returns its functions.
 * @throws EngineLoadError when no engine is installed or built for this platform, or none loads.
 */
export function loadBinding(): NativeBinding {
  return loadEngine().binding;
}

/** What {@link engineStatus} reports: the loaded engine, or why there is none. */
export type EngineStatus =
  | ({ found: true; target: PlatformTarget; info: EngineInfo } & Omit<LoadedEngine, 'binding'>)
  | { found: false; target: PlatformTarget; error: string };

/** Whether an engine loads here, where it came from and what it is; never throws (for diagnostics). */
export function engineStatus(): EngineStatus {
  const target = platformTarget();
  try {
    const e = loadEngine();
    return { found: true, target, source: e.source, path: e.path, build: e.build, info: e.binding.info() };
  } catch (err) {
    return { found: false, target, error: (err as Error).message };
  }
}
