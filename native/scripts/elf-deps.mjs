// What a 64-bit little-endian ELF shared object needs from the system: its DT_NEEDED libraries
// and the symbol versions it requires of each (.gnu.version_r), read straight from the file so
// no binutils are needed. The glibc floor of a binary is the newest GLIBC_x.y it requires.
import { readFileSync } from 'node:fs';

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1n;

/**
 * @param {string} path
 * @returns {{ needed: string[], versions: { file: string, version: string }[] }}
 */
export function elfDependencies(path) {
  const b = readFileSync(path);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  if (b[4] !== 2 || b[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  if (shoff + shnum * shentsize > b.length)
    throw new Error(`${path} is truncated (section headers past the end)`);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      type: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 24)),
      size: Number(b.readBigUInt64LE(o + 32)),
      link: b.readUInt32LE(o + 40),
      info: b.readUInt32LE(o + 44),
    };
  });
  const str = (section, at) => {
    const start = section.offset + at;
    const end = b.indexOf(0, start);
    return b.toString('latin1', start, end < 0 ? section.offset + section.size : end);
  };
  const needed = [];
  const versions = [];
  for (const s of sections) {
    if (s.type === SHT_DYNAMIC) {
      const strtab = sections[s.link];
      for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
        const tag = b.readBigInt64LE(o);
        if (tag === 0n) break;
        if (tag === DT_NEEDED) needed.push(str(strtab, Number(b.readBigUInt64LE(o + 8))));
      }
    } else if (s.type === SHT_GNU_VERNEED) {
      const strtab = sections[s.link];
      let o = s.offset;
      for (let i = 0; i < s.info; i++) {
        const cnt = b.readUInt16LE(o + 2);
        const file = str(strtab, b.readUInt32LE(o + 4));
        let a = o + b.readUInt32LE(o + 8);
        for (let j = 0; j < cnt; j++) {
          versions.push({ file, version: str(strtab, b.readUInt32LE(a + 8)) });
          a += b.readUInt32LE(a + 12);
        }
        const next = b.readUInt32LE(o + 12);
        if (next === 0) break;
        o += next;
      }
    }
  }
  return { needed, versions };
}

/** Compares dotted versions numerically: `2.9` < `2.17` < `2.34`. */
export function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest version with this prefix that the binary requires (`GLIBC_` gives its glibc floor,
 * `GLIBCXX_` its libstdc++ floor); undefined when it requires none.
 * @param {{ versions: { version: string }[] }} deps
 * @param {string} prefix
 */
export function newestVersion(deps, prefix = 'GLIBC_') {
  let newest;
  for (const { version } of deps.versions) {
    if (!version.startsWith(prefix)) continue;
    const v = version.slice(prefix.length);
    if (!/^\d+(\.\d+)*$/.test(v)) continue;
    if (newest === undefined || compareVersions(v, newest) > 0) newest = v;
  }
  return newest;
}
