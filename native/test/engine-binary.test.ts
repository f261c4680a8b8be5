// The built engine as a binary: what it needs of the system (the glibc floor the prebuilt
// package states, no libstdc++ of the system, no other libraries) and the CUDA code it carries.
// The ELF and fatbin readers' error paths are tested on files made here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addonPath, engineStatus } from '../lib/binding.js';
import { readBuildInfo } from '../lib/locate.js';
import { platformTarget } from '../lib/platform.js';
import {
  binaryCudaArchitectures,
  parseCudaArchitectures,
  releaseCudaArchitectures,
} from '../scripts/cuda-archs.mjs';
import { compareVersions, elfDependencies, newestVersion } from '../scripts/elf-deps.mjs';

const platformPackage = JSON.parse(
  readFileSync(new URL('../npm/linux-x64-gnu/package.json', import.meta.url), 'utf8'),
) as { deepsc: { glibcFloor: string }; os: string[]; cpu: string[]; libc: string[] };

const onLinuxGnu = platformTarget().tag === 'linux-x64-gnu';

describe.skipIf(!onLinuxGnu)('the built engine (linux-x64-gnu)', () => {
  const deps = elfDependencies(addonPath());

  it(`needs glibc <= ${platformPackage.deepsc.glibcFloor}, the floor the prebuilt package states`, () => {
    const needs = newestVersion(deps, 'GLIBC_');
    expect(needs).toBeDefined();
    expect(compareVersions(needs as string, platformPackage.deepsc.glibcFloor)).toBeLessThanOrEqual(0);
  });

  it('links libstdc++ statically: no libstdc++.so, no GLIBCXX or CXXABI versions', () => {
    expect(deps.needed.filter((n) => n.startsWith('libstdc++'))).toEqual([]);
    expect(deps.versions.filter((v) => /^(GLIBCXX|CXXABI)_/.test(v.version))).toEqual([]);
  });

  it('needs only libraries every glibc system has', () => {
    const allowed = [
      'libc.so.6',
      'libm.so.6',
      'libgcc_s.so.1',
      'ld-linux-x86-64.so.2',
      'libdl.so.2',
      'libpthread.so.0',
      'librt.so.1',
    ];
    expect(deps.needed.filter((n) => !allowed.includes(n))).toEqual([]);
  });

  it('its build info agrees with the binary', () => {
    const info = readBuildInfo(addonPath());
    expect(info, 'the build wrote no .build.json: rebuild with npx deepsc-build-native').toBeDefined();
    const s = engineStatus();
    expect(s.found).toBe(true);
    if (!info || !s.found) return;
    expect(info.glibcFloor).toBe(newestVersion(deps, 'GLIBC_'));
    expect(info.staticCxxRuntime).toBe(true);
    expect(info.cuda).toBe(s.info.cudaBuilt);
    expect(info.cudaArchitectures).toEqual(binaryCudaArchitectures(addonPath()));
    if (info.cuda) expect(info.cudaArchitectures.length).toBeGreaterThan(0);
    else expect(info.cudaArchitectures).toEqual([]);
  });

  it('the prebuilt package is chosen by npm for exactly this platform', () => {
    expect(platformPackage).toMatchObject({ os: ['linux'], cpu: ['x64'], libc: ['glibc'] });
  });
});

describe('ELF and fatbin readers on bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepsc-elf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const elf32 = new Uint8Array(64);
  elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
  const truncated = new Uint8Array(64);
  truncated.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
  new DataView(truncated.buffer).setBigUint64(0x28, 4096n, true); // section headers past the end
  new DataView(truncated.buffer).setUint16(0x3c, 4, true);
  it.each([
    ['text', new TextEncoder().encode('#!/bin/sh\necho not a library\n'), /is not an ELF file/],
    ['empty', new Uint8Array(0), /is not an ELF file/],
    ['32-bit', elf32, /is not a 64-bit little-endian ELF file/],
    ['truncated', truncated, /is truncated/],
  ])('elfDependencies refuses a %s file, naming it', (name, bytes, re) => {
    const p = file(`${name}.node`, bytes);
    expect(() => elfDependencies(p)).toThrow(re);
    expect(() => elfDependencies(p)).toThrow(p);
  });
  it.each([
    [
      'text',
      new TextEncoder().encode('not elf at all, but long enough to pass the size check of 64 bytes....'),
    ],
    ['32-bit', elf32],
  ])('binaryCudaArchitectures refuses a %s file, naming it', (name, bytes) => {
    const p = file(`${name}-fatbin.node`, bytes);
    expect(() => binaryCudaArchitectures(p)).toThrow(`${p} is not a 64-bit little-endian ELF file`);
  });
});

describe('versions and CUDA architecture lists', () => {
  it.each([
    ['2.17', '2.34', -1],
    ['2.34', '2.34', 0],
    ['2.9', '2.17', -1],
    ['2.36', '2.4', 1],
    ['3', '2.99', 1],
  ])('compareVersions(%s, %s) has the sign %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
  it('newestVersion takes the newest of one prefix only', () => {
    const deps = {
      versions: ['GLIBC_2.2.5', 'GLIBC_2.34', 'GLIBC_2.17', 'GLIBCXX_3.4.30', 'GLIBC_PRIVATE'].map(
        (version) => ({
          version,
        }),
      ),
    };
    expect(newestVersion(deps)).toBe('2.34');
    expect(newestVersion(deps, 'GLIBCXX_')).toBe('3.4.30');
    expect(newestVersion(deps, 'CXXABI_')).toBeUndefined();
  });
  it.each([
    ['80;90', '80;90'],
    ['80, 86-real ,90-virtual', '80;86-real;90-virtual'],
    ['native', 'native'],
    ['all-major', 'all-major'],
    ['90a-real', '90a-real'],
    [releaseCudaArchitectures, releaseCudaArchitectures],
  ])('parseCudaArchitectures(%j) = %j', (given, want) => {
    expect(parseCudaArchitectures(given)).toBe(want);
  });
  it.each([
    ['', /the CUDA architecture list is empty/],
    [' ; ', /the CUDA architecture list is empty/],
    ['sm_80', /"sm_80" is not a CUDA architecture/],
    ['80;compute_90', /"compute_90" is not a CUDA architecture/],
    ['90-fake', /"90-fake" is not a CUDA architecture/],
  ])('parseCudaArchitectures(%j) throws', (given, re) => {
    expect(() => parseCudaArchitectures(given)).toThrow(re);
  });
  it('the release set is sm_80 and up, with PTX of the newest', () => {
    const items = releaseCudaArchitectures.split(';');
    expect(items[0]).toBe('80-real');
    expect(items.every((a) => Number.parseInt(a, 10) >= 80)).toBe(true);
    expect(items.at(-1)).toMatch(/-virtual$/);
    expect(Math.max(...items.map((a) => Number.parseInt(a, 10)))).toBe(
      Number.parseInt(items.at(-1) as string, 10),
    );
  });
});
