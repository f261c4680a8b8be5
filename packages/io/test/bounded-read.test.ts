import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVolume,
  encodeNifti,
  FormatError,
  gunzipBounded,
  NotRegularFileError,
  type PrefixPlan,
  parseNifti,
  readNifti,
  readNiftiHeader,
  readPrefix,
  readVolume,
  withPath,
} from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'deepsc-bounded-read-'));
const voxels32k = new Uint8Array(32 * 32 * 32).map((_, i) => (i * 7) % 251);
/** A 32x32x32 uint8 NIfTI: its header asks for 32 KiB of voxels. */
const small = encodeNifti(createVolume(voxels32k, [32, 32, 32]));
/** 64 MiB of zeros as one gzip member (64 KiB); members concatenate into one stream. */
const zeroMember = gzipSync(new Uint8Array(64 << 20), { level: 9 });
/**
 * A gzip bomb that is a valid NIfTI: the 32 KiB file, then 4 GiB of zeros (about 4 MiB
 * compressed), more than the default 2 GiB limit: a reader that decompressed the whole stream
 * would refuse it (or run out of memory); one that stops where the header says reads it.
 */
const bomb = Buffer.concat([gzipSync(small), ...Array.from({ length: 64 }, () => zeroMember)]);

let server: Server;
let pipeHolder: ChildProcess;
let anonymousPipe: string;
const paths = {
  fifo: join(tmp, 'scan.fifo'),
  socket: join(tmp, 'scan.sock'),
  folder: join(tmp, 'folder.nii'),
  linkToFifo: join(tmp, 'link-to-fifo.nii'),
  linkToFile: join(tmp, 'link-to-file.nii'),
  bomb: join(tmp, 'bomb.nii.gz'),
  small: join(tmp, 'small.nii'),
  huge: join(tmp, 'huge-header.nii.gz'),
  truncated: join(tmp, 'truncated.nii.gz'),
  fourD: join(tmp, 'four-d.nii.gz'),
};

beforeAll(async () => {
  execFileSync('mkfifo', [paths.fifo]);
  mkdirSync(paths.folder);
  symlinkSync(paths.fifo, paths.linkToFifo);
  writeFileSync(paths.small, small);
  symlinkSync(paths.small, paths.linkToFile);
  writeFileSync(paths.bomb, bomb);
  // a header that asks for 2000^3 float32 voxels (32 GB), in a 400-byte file
  const huge = Buffer.from(encodeNifti(createVolume(new Float32Array(1), [1, 1, 1])));
  huge.writeInt16LE(2000, 42);
  huge.writeInt16LE(2000, 44);
  huge.writeInt16LE(2000, 46);
  writeFileSync(paths.huge, gzipSync(huge));
  writeFileSync(paths.truncated, gzipSync(small).subarray(0, 200));
  // two volumes of 32 KiB each: the first is read, the second never decompressed
  const four = Buffer.concat([small, new Uint8Array(32 * 32 * 32).fill(9)]);
  four.writeInt16LE(4, 40);
  four.writeInt16LE(2, 48);
  writeFileSync(paths.fourD, gzipSync(four));
  server = createServer();
  await new Promise<void>((res) => server.listen(paths.socket, res));
  // an anonymous pipe (what `cmd | deepsc inspect /dev/stdin` gives): bash holds one as fd 3
  pipeHolder = spawn('bash', ['-c', 'exec 3< <(sleep 60); exec sleep 60'], { stdio: 'ignore' });
  anonymousPipe = `/proc/${pipeHolder.pid}/fd/3`;
  // wait (bounded) until bash has opened it
  for (let t = 0; t < 100 && !statSync(anonymousPipe, { throwIfNoEntry: false })?.isFIFO(); t++)
    await new Promise((res) => setTimeout(res, 20));
});

afterAll(async () => {
  pipeHolder.kill();
  await new Promise<void>((res) => server.close(() => res()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('only regular files are read: the rest is refused by name, without a hang', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a FIFO', () => paths.fifo, /scan\.fifo: is a pipe \(FIFO\), not a regular file/],
    ['a symlink to a FIFO', () => paths.linkToFifo, /link-to-fifo\.nii: is a pipe \(FIFO\)/],
    ['an anonymous pipe (ESPIPE before)', () => anonymousPipe, /is a pipe \(FIFO\), not a regular file/],
    ['/dev/zero', () => '/dev/zero', /\/dev\/zero: is a character device, not a regular file/],
    ['a socket', () => paths.socket, /scan\.sock: is a socket, not a regular file/],
    ['a folder', () => paths.folder, /folder\.nii: is a folder, not a regular file/],
  ];
  it.each(cases)('readNifti: %s', async (_name, path, message) => {
    const err = await readNifti(path()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotRegularFileError);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(message);
  });
  it.each(cases.filter(([name]) => name !== 'a folder'))('readVolume: %s', async (_name, path, message) => {
    await expect(readVolume(path())).rejects.toThrow(message);
  });
  it('a symlink to a regular file is followed and read', async () => {
    expect(Array.from((await readNifti(paths.linkToFile)).data)).toEqual(Array.from(voxels32k));
  });
});

describe('reads as far as the header says', () => {
  it('a gzip bomb holding a valid 32 KiB NIfTI reads its 32 KiB (4 GiB of zeros after them are never inflated)', async () => {
    const t0 = performance.now();
    const v = await readNifti(paths.bomb);
    expect(v.dims).toEqual([32, 32, 32]);
    expect(Array.from(v.data)).toEqual(Array.from(voxels32k));
    // inflating 4 GiB takes several seconds; the header's 32 KiB take milliseconds
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((await parseNifti(bomb)).dims).toEqual([32, 32, 32]);
  });
  it('a header asking for 32 GB is refused from the header, before any voxel is read', async () => {
    await expect(readNifti(paths.huge)).rejects.toThrow(
      /dims \[2000, 2000, 2000\] of float32 need 32000000000 bytes, more than maxBytes/,
    );
  });
  it('a truncated gzip file is a FormatError naming it', async () => {
    const err = await readNifti(paths.truncated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/truncated\.nii\.gz: (corrupt or truncated gzip|truncated)/);
  });
  it('a 4D file: refused from its header, or its first volume read alone', async () => {
    await expect(readNifti(paths.fourD)).rejects.toThrow(/holds 2 volumes \(dims \[32, 32, 32, 2\]\)/);
    const first = await readNifti(paths.fourD, { extraVolumes: 'first' });
    expect(Array.from(first.data)).toEqual(Array.from(voxels32k));
  });
  it('readNiftiHeader reads the header of a file whose voxels cannot be loaded', async () => {
    const h = await readNiftiHeader(paths.huge);
    expect(h.dim.slice(0, 4)).toEqual([3, 2000, 2000, 2000]);
    expect((await readNiftiHeader(paths.fourD)).dim.slice(0, 5)).toEqual([4, 32, 32, 32, 2]);
  });
});

describe('readPrefix', () => {
  const bytes = (n: number, from = 0) => new Uint8Array(n).map((_, i) => (from + i) % 256);
  const firstByteSays = { size: (head: Uint8Array): number | undefined => head[0] };
  const cases: [string, Uint8Array[], Parameters<typeof readPrefix>[1], number[], boolean][] = [
    [
      'stops at the size the first byte gives',
      [Uint8Array.of(3, 1, 2, 9, 9)],
      firstByteSays,
      [3, 1, 2],
      false,
    ],
    [
      'collects it across chunks',
      [Uint8Array.of(4), Uint8Array.of(1), Uint8Array.of(2, 3, 7)],
      firstByteSays,
      [4, 1, 2, 3],
      false,
    ],
    ['returns what there is when the stream ends short', [Uint8Array.of(9, 1)], firstByteSays, [9, 1], true],
    [
      'waits while the plan cannot tell',
      [Uint8Array.of(0), Uint8Array.of(0), Uint8Array.of(5, 6)],
      { size: (h) => (h.length < 3 ? undefined : 4) },
      [0, 0, 5, 6],
      true,
    ],
    [
      'reads to the end within the slack',
      [Uint8Array.of(2, 1), Uint8Array.of(8)],
      { ...firstByteSays, slack: 1 },
      [2, 1],
      true,
    ],
    [
      'stops beyond the slack',
      [Uint8Array.of(2, 1), Uint8Array.of(8, 8)],
      { ...firstByteSays, slack: 1 },
      [2, 1],
      false,
    ],
  ];
  it.each(cases)('%s', async (_name, chunks, plan, want, ended) => {
    const r = await readPrefix(chunks, plan);
    expect(Array.from(r.bytes)).toEqual(want);
    expect(r.ended).toBe(ended);
  });
  it('never pulls chunks past the size (the source is stopped)', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield bytes(1000, pulled);
      }
    }
    const r = await readPrefix(endless(), { size: () => 2500 });
    expect(r.bytes.length).toBe(2500);
    expect(pulled).toBe(3);
  });
  it.each<[string, PrefixPlan, RegExp]>([
    [
      'the plan cannot tell within maxUndecided',
      { size: () => undefined, maxUndecided: 10, what: 'x' },
      /x: 11 bytes read and the size is still unknown \(limit 10\)/,
    ],
    [
      'the plan refuses',
      {
        size: () => {
          throw new RangeError('too big');
        },
      },
      /too big/,
    ],
    ['the plan answers a non-count', { size: () => -1, what: 'y' }, /y: wanted size -1 is not a byte count/],
  ])('throws when %s', async (_name, plan, message) => {
    await expect(readPrefix([bytes(11)], plan)).rejects.toThrow(message);
  });
});

describe('gunzipBounded', () => {
  const data = new Uint8Array(5000).map((_, i) => i % 251);
  it.each<[string, Uint8Array | Uint8Array[], number | PrefixPlan, number]>([
    ['whole, within the limit', gzipSync(data), 5000, 5000],
    ['a plan stops early', gzipSync(data), { size: () => 100 }, 100],
    [
      'a plan on chunks',
      [gzipSync(data).subarray(0, 50), gzipSync(data).subarray(50)],
      { size: () => 4000 },
      4000,
    ],
  ])('%s', async (_name, input, limit, length) => {
    const out = await gunzipBounded(
      Array.isArray(input)
        ? (async function* () {
            yield* input;
          })()
        : input,
      limit,
    );
    expect(out.length).toBe(length);
    expect(Array.from(out)).toEqual(Array.from(data.subarray(0, length)));
  });
  it.each<[string, Uint8Array, number | PrefixPlan, typeof RangeError | typeof FormatError, RegExp]>([
    [
      'over the byte limit',
      gzipSync(data),
      4999,
      RangeError,
      /decompresses to more than the limit of 4999 bytes/,
    ],
    [
      'corrupt data',
      Buffer.concat([gzipSync(data).subarray(0, 20), Buffer.alloc(30, 0xff)]),
      { size: () => 5000 },
      FormatError,
      /g: corrupt or truncated gzip/,
    ],
    [
      'not gzip at all',
      Buffer.from('plain text, not gzip'),
      { size: () => 10 },
      FormatError,
      /g: corrupt or truncated gzip/,
    ],
  ])('refuses %s', async (_name, input, limit, type, message) => {
    const err = await gunzipBounded(input, limit, 'g').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});

describe('withPath', () => {
  const sys = (code: string, path?: string) =>
    Object.assign(new Error(`${code}: oops, write`), {
      code,
      errno: -28,
      syscall: 'write',
      ...(path ? { path } : {}),
    });
  it.each([
    ['an error on a handle (no path)', sys('ENOSPC'), 'write', 'cannot write out.nii: ENOSPC: oops, write'],
    [
      'an error on a temporary file',
      sys('EIO', '.out.nii.123.tmp'),
      'read',
      'cannot read out.nii: EIO: oops, write',
    ],
  ] as const)('restates %s with the path, keeping the code', (_name, err, action, message) => {
    const e = withPath(err, 'out.nii', action) as NodeJS.ErrnoException;
    expect(e.message).toBe(message);
    expect([e.code, e.errno, e.syscall, e.path, e.cause]).toEqual([err.code, -28, 'write', 'out.nii', err]);
  });
  it.each([
    ['a system error that names the path already', sys('ENOENT', 'out.nii')],
    ['a FormatError', new FormatError('nifti', 'bad')],
    ['a RangeError', new RangeError('big')],
  ])('leaves %s as it is', (_name, err) => {
    expect(withPath(err, 'out.nii')).toBe(err);
  });
});
