/**
 * makeDirectory: a recursive mkdir whose refusals carry the system's real code. Node's
 * recursive mkdir reports ENOENT when a missing parent cannot be created (on a read-only file
 * system, say); the refusals are injected here (a test cannot mount a read-only file system).
 */
import type * as fsp from 'node:fs/promises';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** What the next plain (non-recursive) mkdir calls throw, as an errno code; none: the real call. */
let plainRefusal: string | undefined;
/** Whether recursive mkdir calls fail with ENOENT (as Node's does on a read-only file system). */
let recursiveEnoent = false;

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsp>();
  const fail = (code: string, path: unknown) =>
    Object.assign(new Error(`${code}: mkdir '${String(path)}'`), { code, path, syscall: 'mkdir' });
  return {
    ...real,
    mkdir: async (path: string, options?: { recursive?: boolean }) => {
      if (options?.recursive && recursiveEnoent) throw fail('ENOENT', path);
      if (!options?.recursive && plainRefusal) throw fail(plainRefusal, path);
      return real.mkdir(path, options);
    },
  };
});

const { makeDirectory } = await import('../src/fs/make-directory.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deepsc-mkdir-'));
  await writeFile(join(dir, 'file'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeDirectory', () => {
  it.each([
    ['an existing folder', () => dir, undefined],
    ['two new levels (returns the first created)', () => join(dir, 'a', 'b'), () => join(dir, 'a')],
  ])('creates %s', async (_name, path, first) => {
    recursiveEnoent = false;
    plainRefusal = undefined;
    expect(await makeDirectory(path())).toBe(first?.());
    expect((await stat(path())).isDirectory()).toBe(true);
  });

  it.each([
    ['a read-only file system', 'EROFS', 'EROFS'],
    ['no permission', 'EACCES', 'EACCES'],
    ['a full disk', 'ENOSPC', 'ENOSPC'],
  ])('reports %s as its own code naming the first missing folder, not ENOENT', async (_n, code, want) => {
    recursiveEnoent = true;
    plainRefusal = code;
    try {
      await expect(makeDirectory(join(dir, 'ro', 'x', 'y'))).rejects.toMatchObject({
        code: want,
        path: join(dir, 'ro'),
      });
    } finally {
      recursiveEnoent = false;
      plainRefusal = undefined;
    }
  });

  it('keeps the real ENOTDIR of a file in the path', async () => {
    await expect(makeDirectory(join(dir, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('goes on when another process created the first missing folder meanwhile (EEXIST)', async () => {
    recursiveEnoent = true;
    plainRefusal = 'EEXIST';
    try {
      // the recursive retry fails too (still injected): the refusal thrown is the retry's own
      await expect(makeDirectory(join(dir, 'race', 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      recursiveEnoent = false;
      plainRefusal = undefined;
    }
    expect(await makeDirectory(join(dir, 'race', 'x'))).toBe(join(dir, 'race'));
  });
});
