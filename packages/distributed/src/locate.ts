/**
 * Where the gloo addon can come from, in the order the loader tries them (the engine's order):
 * the file named by `DEEPSC_DISTRIBUTED_PATH` (alone, when set), the prebuilt platform package
 * (`@deepsc/distributed-linux-x64-gnu`), a local build (`npx deepsc-build-distributed`). Pure: the
 * caller passes the environment, the resolved package folder and a file check, so every case is
 * testable without installing anything.
 * @module
 */
import { join } from 'node:path';

/** Where an addon came from. */
export type AddonSource = 'env' | 'prebuilt' | 'local';

/** One place an addon was found. */
export interface AddonCandidate {
  source: AddonSource;
  path: string;
}

/** The environment variable naming a specific addon file (development). */
export const addonPathVariable = 'DEEPSC_DISTRIBUTED_PATH';

/** The addon's file name inside a platform package. */
export const prebuiltAddonFile = 'deepsc_distributed.node';

/** The platform tags a prebuilt addon package is published for. */
export const prebuiltPlatforms: readonly string[] = ['linux-x64-gnu'];

/** The prebuilt addon package of a platform tag (`linux-x64-gnu` -> `@deepsc/distributed-linux-x64-gnu`). */
export const prebuiltPackageName = (tag: string): string => `@deepsc/distributed-${tag}`;

/** What {@link locateAddon} looks at. */
export interface LocateInputs {
  env: Readonly<Record<string, string | undefined>>;
  /** This machine's platform tag, e.g. `linux-x64-gnu` (`@deepsc/native`'s `platformTarget().tag`). */
  tag: string;
  /** The installed platform package's folder, or undefined when it does not resolve. */
  prebuiltDir: string | undefined;
  /** Where a local build puts the addon. */
  localPath: string;
  exists: (path: string) => boolean;
}

/** What {@link locateAddon} found: addons to try in order, and why each other place had none. */
export interface Located {
  candidates: AddonCandidate[];
  /** One line per place that had no addon. */
  absent: string[];
}

/** The addons to try, in order, and why the other places had none. */
export function locateAddon(inputs: LocateInputs): Located {
  const { env, tag, prebuiltDir, localPath, exists } = inputs;
  const override = env[addonPathVariable];
  if (override) {
    // A developer who points at a file gets that file or an error, never a silent fallback.
    return exists(override)
      ? { candidates: [{ source: 'env', path: override }], absent: [] }
      : { candidates: [], absent: [`${addonPathVariable}=${override}: no such file`] };
  }
  const candidates: AddonCandidate[] = [];
  const absent: string[] = [];
  const name = prebuiltPackageName(tag);
  if (prebuiltDir === undefined) {
    absent.push(
      prebuiltPlatforms.includes(tag)
        ? `prebuilt: ${name} is not installed`
        : `prebuilt: none is published for ${tag}`,
    );
  } else {
    const path = join(prebuiltDir, prebuiltAddonFile);
    if (exists(path)) candidates.push({ source: 'prebuilt', path });
    else absent.push(`prebuilt: ${name} at ${prebuiltDir} has no ${prebuiltAddonFile}`);
  }
  if (exists(localPath)) candidates.push({ source: 'local', path: localPath });
  else absent.push(`local build: none at ${localPath}`);
  return { candidates, absent };
}

/** What to do when no addon was found: install the platform package, or build one. */
export function noAddonAdvice(tag: string, version: string): string {
  const build =
    'build one: apt-get install libgloo-dev cmake g++ && npm i -D cmake-js@^8 node-addon-api@^8 && npx deepsc-build-distributed';
  return prebuiltPlatforms.includes(tag)
    ? `npm i ${prebuiltPackageName(tag)}@${version} (the prebuilt addon; it needs libgloo0 at run time), or ${build}`
    : `no prebuilt addon is published for ${tag}: ${build}`;
}

/** Whether a load failure is the dynamic linker missing gloo's shared library. */
export const missingGloo = (message: string): boolean =>
  /libgloo\.so[^:]*: cannot open shared object/.test(message);

/** What to install when gloo's shared library is missing. */
export const glooAdvice = "install gloo's runtime library: apt-get install libgloo0 (Debian/Ubuntu)";
