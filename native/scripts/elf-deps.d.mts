/** The DT_NEEDED libraries of a 64-bit little-endian ELF file and the symbol versions it requires of each. */
export function elfDependencies(path: string): {
  needed: string[];
  versions: { file: string; version: string }[];
};
/** Compares dotted versions numerically (negative, zero or positive). */
export function compareVersions(a: string, b: string): number;
/** The newest required version with this prefix (`GLIBC_` by default), without the prefix. */
export function newestVersion(deps: { versions: { version: string }[] }, prefix?: string): string | undefined;
