/**
 * The one gateway to this package's addon (gloo's collectives): the file named by
 * `DEEPSC_DISTRIBUTED_PATH` when set, else the local build
 * (`build/bin/<platform>-<arch>/deepsc_distributed.node`, from `npm run build:addon`). When it
 * is absent, or libgloo is missing at run time, loading throws {@link DistributedUnavailableError}
 * saying what to install.
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistributedUnavailableError } from './errors.js';

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

/** The environment variable naming a specific addon file (development). */
export const addonPathVariable = 'DEEPSC_DISTRIBUTED_PATH';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run build:addon` puts the addon. */
export const localAddonPath = join(
  packageRoot,
  'build',
  'bin',
  `${process.platform}-${process.arch}`,
  'deepsc_distributed.node',
);

const install =
  'install gloo (Debian/Ubuntu: apt-get install libgloo-dev; at run time libgloo0 suffices) and build the addon ' +
  '(npm run build:addon --workspace @deepsc/distributed)';

let cached: { path: string; binding: DistributedBinding } | undefined;

/** Loads the addon (once per path). @throws DistributedUnavailableError when it is absent or cannot load. */
export function loadDistributedBinding(): DistributedBinding {
  const override = process.env[addonPathVariable];
  const path = override || localAddonPath;
  if (cached?.path === path) return cached.binding;
  if (!existsSync(path))
    throw new DistributedUnavailableError(
      override
        ? `${addonPathVariable}=${override}: no such file`
        : `distributed training needs @deepsc/distributed's gloo addon, which is not built (no ${path}): ${install}`,
    );
  try {
    cached = { path, binding: createRequire(import.meta.url)(path) as DistributedBinding };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new DistributedUnavailableError(
      /libgloo/.test(msg)
        ? `the gloo library is missing (${msg.split('\n')[0]}): apt-get install libgloo0 (or libgloo-dev)`
        : `@deepsc/distributed's addon at ${path} does not load (${msg.split('\n')[0]}): ${install}`,
      { cause: err },
    );
  }
  return cached.binding;
}
