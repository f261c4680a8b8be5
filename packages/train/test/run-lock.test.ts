/** The run folder's lock: exclusive, naming its holder, stale when its process is gone on this host. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireRunLock,
  processStartTime,
  RUN_LOCK_FILE,
  RunLockedError,
  withRunLock,
} from '../src/index.js';

const folder = () => mkdtemp(join(tmpdir(), 'deepsc-lock-'));
const deadPid = () =>
  new Promise<number>((res) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => res(c.pid as number));
  });
const holder = (o: Record<string, unknown>) =>
  JSON.stringify({
    pid: process.pid,
    host: hostname(),
    command: 'deepsc train',
    startedAt: new Date().toISOString(),
    token: 'x',
    ...o,
  });

describe('acquireRunLock', () => {
  it('is exclusive: a second acquire is refused naming the holder, and works again after release', async () => {
    const d = await folder();
    const a = await acquireRunLock(d, 'deepsc train');
    const lock = JSON.parse(await readFile(join(d, RUN_LOCK_FILE), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), command: 'deepsc train' });
    const err = await acquireRunLock(d, 'deepsc demo').catch((e) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err.message).toContain(`locked by deepsc train (PID ${process.pid} on ${hostname()}`);
    expect(err.holder.pid).toBe(process.pid);
    await a.release();
    await a.release(); // idempotent
    expect(await readdir(d)).toEqual([]);
    const b = await acquireRunLock(d, 'deepsc demo');
    await b.release();
    expect(await readdir(d)).toEqual([]);
  });

  it('two concurrent acquires: exactly one wins', async () => {
    const d = await folder();
    const got = await Promise.allSettled([
      acquireRunLock(d, 'a'),
      acquireRunLock(d, 'b'),
      acquireRunLock(d, 'c'),
    ]);
    expect(got.filter((g) => g.status === 'fulfilled')).toHaveLength(1);
    for (const g of got) if (g.status === 'rejected') expect(g.reason).toBeInstanceOf(RunLockedError);
    for (const g of got) if (g.status === 'fulfilled') await g.value.release();
    expect(await readdir(d)).toEqual([]);
  });

  it('takes over a stale lock (its process is gone on this host)', async () => {
    const d = await folder();
    await writeFile(join(d, RUN_LOCK_FILE), holder({ pid: await deadPid() }));
    const l = await acquireRunLock(d, 'deepsc train');
    expect(JSON.parse(await readFile(join(d, RUN_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await l.release();
    expect(await readdir(d)).toEqual([]);
  });

  it('takes over a lock whose PID now belongs to a process started after the lock was taken', async () => {
    const d = await folder();
    // this process is alive, but started long after 2001: the PID was reused
    await writeFile(join(d, RUN_LOCK_FILE), holder({ startedAt: '2001-01-01T00:00:00.000Z', token: 'old' }));
    const l = await acquireRunLock(d, 'deepsc train');
    expect(JSON.parse(await readFile(join(d, RUN_LOCK_FILE), 'utf8')).token).not.toBe('old');
    await l.release();
  });

  it('reads a process start time from /proc within seconds of the truth', async () => {
    const t = await processStartTime(process.pid);
    if (t === undefined) return expect(process.platform).not.toBe('linux');
    expect(Math.abs(t - (Date.now() - process.uptime() * 1000))).toBeLessThan(2000);
  });

  it.each([
    ['a live holder', holder({}), /locked by deepsc train \(PID \d+ on .*wait for it to finish or stop it/],
    [
      'a holder on another host',
      holder({ host: 'far.example' }),
      /on far\.example.*if that process is gone, remove/,
    ],
    ['a file deepsc did not write', 'hello', /is not a lock this deepsc wrote/],
    [
      'a lock without a token',
      JSON.stringify({ pid: 1, host: hostname() }),
      /is not a lock this deepsc wrote/,
    ],
  ])('refuses %s and leaves the lock as it was', async (_w, content, message) => {
    const d = await folder();
    await writeFile(join(d, RUN_LOCK_FILE), content);
    const err = await acquireRunLock(d, 'deepsc train').catch((e) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err.message).toMatch(message);
    expect(await readFile(join(d, RUN_LOCK_FILE), 'utf8')).toBe(content);
    expect(await readdir(d)).toEqual([RUN_LOCK_FILE]);
  });

  it('a process that exits while holding the lock (a second Ctrl-C) removes it on the way out', async () => {
    const d = await folder();
    const script = `
      const { acquireRunLock } = await import(${JSON.stringify(new URL('../src/run-lock.ts', import.meta.url).href)});
      await acquireRunLock(${JSON.stringify(d)}, 'deepsc train');
      process.exit(130);
    `;
    const code = await new Promise<number | null>((res) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=source', '--input-type=module', '-e', script],
        {
          cwd: new URL('..', import.meta.url).pathname,
          stdio: 'inherit',
        },
      );
      c.on('exit', (c2) => res(c2));
    });
    expect(code).toBe(130);
    expect(await readdir(d)).toEqual([]);
  });

  it('withRunLock releases when the work throws, and does not remove a lock it does not hold', async () => {
    const d = await folder();
    await expect(
      withRunLock(d, 'x', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(d)).toEqual([]);
    const l = await acquireRunLock(d, 'x');
    await writeFile(join(d, RUN_LOCK_FILE), holder({ token: 'someone else' }));
    await l.release();
    expect(await readdir(d)).toEqual([RUN_LOCK_FILE]);
  });
});
