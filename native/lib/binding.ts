/**
 * The one gateway to the compiled engine: the only file that loads the `.node` addon. It loads
 * it from a versioned, platform-specific path (`build/bin/<platform>-<arch>/deepsc_native-v<version>.node`)
 * and fails with a message that says how to build it when it is missing or unloadable.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryStats, NativeModelConstructor } from './graph.js';

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

/** The raw functions the addon exports. Prefer the typed wrappers in `ops.ts`. */
export interface NativeBinding {
  info(): EngineInfo;
  /** Resizes the thread pool; returns the new size. Throws RangeError outside [1, 1024]. */
  setNumThreads(threads: number): number;
  /** Caps the SIMD level (for tests of every path); returns the level in force. */
  setIsa(isa: 'avx512' | 'avx2' | 'portable'): string;
  /** Output shapes of `op` for these input shapes (null = absent optional input). */
  inferShapes(op: string, attrs: Attrs, shapes: readonly (readonly number[] | null)[]): number[][];
  /** Runs an op's forward pass synchronously on the CPU. */
  runForward(op: string, attrs: Attrs, inputs: readonly (RawTensor | null)[]): RawTensor[];
  /**
   * Runs an op's backward pass: given the forward inputs and outputs and dL/d(outputs)
   * (null = zero), returns dL/d(input i) where `needGrad[i]`, else null.
   */
  runBackward(
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    outputs: readonly RawTensor[],
    gradOutputs: readonly (RawTensor | null)[],
    needGrad: readonly boolean[],
  ): (RawTensor | null)[];
  /** CPU milliseconds per call of an op on engine-owned buffers (see `timing.ts`). */
  timeOp(
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
  /** Ops with CUDA kernels; empty without the CUDA backend. Typed wrappers: `cuda.ts`. */
  cudaOps(): string[];
  /** {@link NativeBinding.runForward} on the CUDA backend (inputs copied to device 0 and back). */
  cudaRunForward(op: string, attrs: Attrs, inputs: readonly (RawTensor | null)[]): RawTensor[];
  /** {@link NativeBinding.runBackward} on the CUDA backend. */
  cudaRunBackward(
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    outputs: readonly RawTensor[],
    gradOutputs: readonly (RawTensor | null)[],
    needGrad: readonly boolean[],
  ): (RawTensor | null)[];
  /** GPU milliseconds per call of an op with its tensors on the device (CUDA events). */
  cudaTimeOp(
    op: string,
    attrs: Attrs,
    inputs: readonly (RawTensor | null)[],
    needGrad: readonly boolean[] | null,
    warmup: number,
    repeats: number,
  ): number[];
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Version of this package; the addon must report the same. */
export const packageVersion: string = JSON.parse(
  readFileSync(join(packageRoot, 'package.json'), 'utf8'),
).version;

/** Where the addon for this platform and version is expected. */
export function addonPath(): string {
  return join(
    packageRoot,
    'build',
    'bin',
    `${process.platform}-${process.arch}`,
    `deepsc_native-v${packageVersion}.node`,
  );
}

const buildHint =
  'Build it with `npm run build --workspace @deepsc/native` in the DeepSC repository, or `npx deepsc-build-native` ' +
  'where @deepsc/native is installed (needs cmake >= 3.18 and a C++20 compiler; nvcc adds the CUDA backend).';

let cached: NativeBinding | undefined;

/**
 * Loads the addon once and returns it.
 * @throws Error when the addon is missing, built for another platform or version, or fails to load.
 */
export function loadBinding(): NativeBinding {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(
      `@deepsc/native: the engine is not built for ${process.platform}-${process.arch} (no ${path}). ${buildHint}`,
    );
  }
  let mod: NativeBinding;
  try {
    mod = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (err) {
    throw new Error(`@deepsc/native: could not load ${path}: ${(err as Error).message}. ${buildHint}`);
  }
  const v = mod.info().version;
  if (v !== packageVersion) {
    throw new Error(
      `@deepsc/native: the addon at ${path} is version ${v}, the package is ${packageVersion}. ${buildHint}`,
    );
  }
  cached = mod;
  return mod;
}
