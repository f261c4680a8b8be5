/**
 * Where the compiled engine can come from, in the order the loader tries them: the file named by
 * `DEEPSC_NATIVE_PATH` (alone, when set), the prebuilt platform package, a local build. Pure
 * (the caller passes the environment, the resolved package and a file check), so every case is
 * testable without installing anything.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformTarget } from './platform.js';

/** Where an engine binary came from. */
export type EngineSource = 'env' | 'prebuilt' | 'local';

/** One place an engine binary was found. */
export interface EngineCandidate {
  source: EngineSource;
  path: string;
}

/** The environment variable that points the loader at a specific `.node` file (kernel development). */
export const nativePathVariable = 'DEEPSC_NATIVE_PATH';

/** The binary's file name inside a platform package. */
export const prebuiltAddonFile = 'deepsc_native.node';

/** What {@link locateEngine} looks at. */
export interface LocateInputs {
  /** The environment (for {@link nativePathVariable}). */
  env: Readonly<Record<string, string | undefined>>;
  /** This machine's platform package. */
  target: PlatformTarget;
  /** The installed platform package's folder, or undefined when it does not resolve. */
  prebuiltDir: string | undefined;
  /** Where a local build (`npx deepsc-build-native`) puts the binary. */
  localPath: string;
  /** Whether a file exists. */
  exists: (path: string) => boolean;
}

/** What {@link locateEngine} found: binaries to try in order, and why each other place had none. */
export interface Located {
  candidates: EngineCandidate[];
  /** One line per place that had no binary, e.g. `prebuilt: @deepsc/native-linux-x64-gnu is not installed`. */
  absent: string[];
}

/** The binaries to try, in order, and why the other places had none. */
export function locateEngine(inputs: LocateInputs): Located {
  const { env, target, prebuiltDir, localPath, exists } = inputs;
  const override = env[nativePathVariable];
  if (override) {
    // A developer who points at a file gets that file or an error, never a silent fallback.
    return exists(override)
      ? { candidates: [{ source: 'env', path: override }], absent: [] }
      : { candidates: [], absent: [`${nativePathVariable}=${override}: no such file`] };
  }
  const candidates: EngineCandidate[] = [];
  const absent: string[] = [];
  if (prebuiltDir === undefined) {
    absent.push(
      target.published
        ? `prebuilt: ${target.packageName} is not installed`
        : `prebuilt: none is published for ${target.tag}`,
    );
  } else {
    const path = join(prebuiltDir, prebuiltAddonFile);
    if (exists(path)) candidates.push({ source: 'prebuilt', path });
    else absent.push(`prebuilt: ${target.packageName} at ${prebuiltDir} has no ${prebuiltAddonFile}`);
  }
  if (exists(localPath)) candidates.push({ source: 'local', path: localPath });
  else absent.push(`local build: none at ${localPath}`);
  return { candidates, absent };
}

/** What the build wrote next to a binary (`<name>.build.json`): what `info()` cannot tell. */
export interface BuildInfo {
  /** Engine version built. */
  version: string;
  /** Whether the CUDA backend is compiled in. */
  cuda: boolean;
  /** CMake's CUDA architectures compiled in, e.g. `["80-real", "90-real", "90-virtual"]`; empty without CUDA. */
  cudaArchitectures: string[];
  /** Whether libstdc++ and libgcc are linked statically. */
  staticCxxRuntime: boolean;
  /** The newest glibc symbol version the binary needs (its glibc floor), e.g. `2.34`; absent off glibc. */
  glibcFloor?: string;
}

/** The build-info file of a binary: `x.node` -> `x.build.json`. */
export function buildInfoPath(addon: string): string {
  return addon.replace(/\.node$/, '') + '.build.json';
}

/** Reads a binary's build info; undefined when the file is absent or unreadable (older builds). */
export function readBuildInfo(addon: string): BuildInfo | undefined {
  try {
    const j = JSON.parse(readFileSync(buildInfoPath(addon), 'utf8')) as Partial<BuildInfo>;
    if (typeof j.version !== 'string' || typeof j.cuda !== 'boolean' || !Array.isArray(j.cudaArchitectures))
      return undefined;
    return {
      version: j.version,
      cuda: j.cuda,
      cudaArchitectures: j.cudaArchitectures.map(String),
      staticCxxRuntime: j.staticCxxRuntime === true,
      ...(typeof j.glibcFloor === 'string' ? { glibcFloor: j.glibcFloor } : {}),
    };
  } catch {
    return undefined;
  }
}
