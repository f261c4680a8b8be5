/**
 * The one gateway to this package's addon (gloo's collectives): the file named by
 * `DEEPSC_DISTRIBUTED_PATH` when set, else the prebuilt platform package
 * (`@deepsc/distributed-linux-x64-gnu`, an optional dependency), else the local build
 * (`build/bin/<platform>-<arch>/deepsc_distributed.node`, from `npx deepsc-build-distributed`).
 * When there is none, or libgloo is missing at run time, loading throws
 * {@link DistributedUnavailableError} saying what to install (see `./locate.ts`).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformTarget } from '@deepsc/native';
import { DistributedUnavailableError } from './errors.js';
import {
  addonPathVariable,
  glooAdvice,
  locateAddon,
  missingGloo,
  noAddonAdvice,
  prebuiltPackageName,
} from './locate.js';

/** What the addon's `NativeProcessGroup` takes. */
export interface NativeGroupOptions {
  rank: number;
  worldSize: number;
  /** The file store's folder ('' with a TCP store). */
  storePath: string;
  /** The TCP store's host and port (rank 0 serves it), instead of a folder. */
  storeHost?: string;
  storePort?: number;
  jobId: string;
  hostname: string;
  timeoutMs: number;
}

/** The addon's process group: promises settle from its collective thread. */
export interface NativeProcessGroup {
  connect(): Promise<void>;
  allReduce(arrays: Float32Array[], mean: boolean, algorithm: 'ring' | 'halving-doubling'): Promise<void>;
  broadcast(arrays: Float32Array[], root: number): Promise<void>;
  barrier(timeoutMs: number): Promise<void>;
  /** A gradient hook (a type-tagged External) for `CompiledModel.setGradientHook`. */
  gradientHook(bucketBytes: number, firstBucketBytes: number): object;
  /** The error that broke the group, if any (code DEEPSC_DISTRIBUTED). */
  failure(): Error | undefined;
  destroy(): void;
}

/** The addon's exports. */
export interface DistributedBinding {
  NativeProcessGroup: new (options: NativeGroupOptions) => NativeProcessGroup;
  /** DEEPSC_GRADIENT_HOOK_ABI the addon was built against. */
  hookAbiVersion: number;
}

export { addonPathVariable } from './locate.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Where `npx deepsc-build-distributed` (`npm run build:addon`) puts the addon. */
export const localAddonPath = join(
  packageRoot,
  'build',
  'bin',
  `${process.platform}-${process.arch}`,
  'deepsc_distributed.node',
);

/** The installed platform package's folder, or undefined when npm did not install it. */
function prebuiltDir(tag: string): string | undefined {
  try {
    return dirname(require.resolve(`${prebuiltPackageName(tag)}/package.json`));
  } catch {
    return undefined;
  }
}

const version = (): string =>
  (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

let cached: { key: string; binding: DistributedBinding; path: string } | undefined;

/**
 * Loads the addon (once per place): `DEEPSC_DISTRIBUTED_PATH`, else the platform package, else a
 * local build. @throws DistributedUnavailableError when there is none or it cannot load (the
 * message says what to install: libgloo0 when gloo's library is missing).
 */
export function loadDistributedBinding(): DistributedBinding {
  const key = process.env[addonPathVariable] ?? '';
  if (cached?.key === key) return cached.binding;
  const { tag } = platformTarget();
  const { candidates, absent } = locateAddon({
    env: process.env,
    tag,
    prebuiltDir: prebuiltDir(tag),
    localPath: localAddonPath,
    exists: existsSync,
  });
  if (candidates.length === 0) {
    const found = absent.join('; ');
    throw new DistributedUnavailableError(
      key
        ? found
        : `distributed training needs @deepsc/distributed's gloo addon, and there is none (${found}): ${noAddonAdvice(tag, version())}`,
    );
  }
  const failures: string[] = [];
  for (const { source, path } of candidates) {
    try {
      cached = { key, path, binding: require(path) as DistributedBinding };
      return cached.binding;
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      // gloo's library is missing: no other candidate can load either, and the fix is one package.
      if (missingGloo(msg))
        throw new DistributedUnavailableError(`the gloo library is missing (${msg}): ${glooAdvice}`, {
          cause: err,
        });
      failures.push(`${source}: ${path} does not load (${msg})`);
    }
  }
  throw new DistributedUnavailableError(
    `@deepsc/distributed's gloo addon does not load: ${[...failures, ...absent].join('; ')}: ${noAddonAdvice(tag, version())}`,
  );
}

/** The addon file loaded by {@link loadDistributedBinding}, once it loaded. */
export const loadedAddonPath = (): string | undefined => cached?.path;
