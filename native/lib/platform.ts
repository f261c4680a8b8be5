/**
 * Which prebuilt engine package fits this machine: the platform tag (`linux-x64-gnu`), its
 * package name (`@deepsc/native-linux-x64-gnu`) and whether one is published for it.
 * @module
 */

/** The C library of a Linux machine; undefined elsewhere. */
export type Libc = 'glibc' | 'musl';

/** The platform tags a prebuilt engine package is published for. */
export const prebuiltPlatforms: readonly string[] = ['linux-x64-gnu'];

/** Where the engine for this machine would come from. */
export interface PlatformTarget {
  /** `process.platform`-`process.arch`, plus `-gnu` / `-musl` on Linux: `linux-x64-gnu`. */
  tag: string;
  /** The npm package that carries the prebuilt engine for `tag`. */
  packageName: string;
  /** Whether such a package is published (else the engine has to be built from source). */
  published: boolean;
}

/** Whether this Linux machine's C library is glibc or musl (what `process.report` says). */
export function detectLibc(): Libc | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The platform tag and prebuilt package name for a platform (default: this machine). */
export function platformTarget(
  platform: string = process.platform,
  arch: string = process.arch,
  libc: Libc | undefined = platform === process.platform ? detectLibc() : undefined,
): PlatformTarget {
  const suffix = platform === 'linux' ? (libc === 'musl' ? '-musl' : '-gnu') : '';
  const tag = `${platform}-${arch}${suffix}`;
  return { tag, packageName: `@deepsc/native-${tag}`, published: prebuiltPlatforms.includes(tag) };
}
