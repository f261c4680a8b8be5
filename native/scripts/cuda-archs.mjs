// CUDA architectures: the set a portable (release) build compiles, how a user's list is read,
// and which ones a built binary actually carries (read from its .nv_fatbin section, so no
// cuobjdump is needed).
import { readFileSync } from 'node:fs';

/**
 * Machine code for every architecture from sm_80 up (A100; A10/RTX 30; L4/RTX 40; H100/H200;
 * B200; RTX 50) plus compute_120 PTX, which newer GPUs' drivers compile when the engine loads.
 */
export const releaseCudaArchitectures = '80-real;86-real;89-real;90-real;100-real;120-real;120-virtual';

/**
 * Normalises a user's list (`80;90`, `80,90-real`, `native`) to CMake's form (`80;90-real`).
 * @param {string} list
 * @returns {string}
 * @throws Error naming the bad entry.
 */
export function parseCudaArchitectures(list) {
  const items = list
    .split(/[;,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error('the CUDA architecture list is empty');
  for (const item of items) {
    if (!/^(\d{2,3}[a-z]?(-real|-virtual)?|native|all|all-major)$/.test(item))
      throw new Error(
        `"${item}" is not a CUDA architecture: use numbers like 80, 86-real or 90-virtual (CMake's CMAKE_CUDA_ARCHITECTURES), or native`,
      );
  }
  return items.join(';');
}

/**
 * The CUDA code a binary carries: `90-real` for sm_90 machine code, `90-virtual` for compute_90
 * PTX; sorted, without repeats; empty when it has none.
 * @param {string} path
 * @returns {string[]}
 */
export function binaryCudaArchitectures(path) {
  const b = readFileSync(path);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1)
    throw new Error(`${path} is not a 64-bit little-endian ELF file`);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstr = shoff + b.readUInt16LE(0x3e) * shentsize;
  const namesAt = Number(b.readBigUInt64LE(shstr + 24));
  const found = new Set();
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const nameAt = namesAt + b.readUInt32LE(o);
    if (b.toString('latin1', nameAt, b.indexOf(0, nameAt)) !== '.nv_fatbin') continue;
    const start = Number(b.readBigUInt64LE(o + 24));
    const end = start + Number(b.readBigUInt64LE(o + 32));
    // The section holds fatbin containers (magic 0xBA55ED50, 8-byte aligned), each a list of
    // entries: kind (1 PTX, 2 ELF), header size, payload size, architecture.
    for (let c = start; c + 16 <= end; ) {
      if (b.readUInt32LE(c) !== 0xba55ed50) {
        c += 8;
        continue;
      }
      const first = c + b.readUInt16LE(c + 6);
      const last = Math.min(end, first + Number(b.readBigUInt64LE(c + 8)));
      for (let e = first; e + 32 <= last; ) {
        const kind = b.readUInt16LE(e);
        const arch = b.readUInt32LE(e + 28);
        if (kind === 1) found.add(`${arch}-virtual`);
        else if (kind === 2) found.add(`${arch}-real`);
        const step = b.readUInt32LE(e + 4) + Number(b.readBigUInt64LE(e + 8));
        if (step <= 0) break;
        e += step;
      }
      c = last;
    }
  }
  return [...found].sort((x, y) => Number.parseInt(x, 10) - Number.parseInt(y, 10) || x.localeCompare(y));
}
