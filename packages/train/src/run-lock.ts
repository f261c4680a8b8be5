/**
 * The run folder's lock: one command at a time writes a run folder. The lock is the file
 * `<folder>/deepsc.lock`, created exclusively (written in full beside it, then hard-linked into
 * place, so it is never seen half-written), holding the holder's PID, host, command and start
 * time. A lock whose holder is gone (same host, and no such process, or the PID now belongs to
 * a process started after the lock was taken) is stale and taken over; any other lock is refused
 * with an error naming its holder.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeDirectory, NotRegularFileError, processAlive, readRegularTextFile } from '@deepsc/io';
import { RunWriteError } from './run-write-error.js';

/** The lock file's name inside a run folder. */
export const RUN_LOCK_FILE = 'deepsc.lock';

/** What the lock file records. */
export interface RunLockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** Unique per acquisition, so a takeover can tell one lock from another of the same PID. */
  token: string;
}

/** Another live command holds the run folder (or a lock that cannot be judged stale). */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: RunLockHolder | undefined,
    reason: string,
  ) {
    super(`run folder ${dir} is in use: ${reason}`);
    this.name = 'RunLockedError';
  }
}

/** A held lock; `release()` removes it (idempotent). */
export interface RunLock {
  readonly dir: string;
  readonly path: string;
  release(): Promise<void>;
}

const describe = (h: RunLockHolder) => `${h.command} (PID ${h.pid} on ${h.host}, since ${h.startedAt})`;

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** When process `pid` started, in ms since the epoch, from /proc (Linux); undefined where unknown. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) " come fields 3, 4, ...: starttime is field 22
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime)
      ? btime * 1000 + (ticks * 1000) / USER_HZ
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder of a lock on this host still runs: its PID exists and (where /proc tells)
 * that process started before the lock was taken, not later under a reused PID (after a
 * reboot, or a long time).
 */
async function holderRunning(h: RunLockHolder): Promise<boolean> {
  if (!processAlive(h.pid)) return false;
  const started = await processStartTime(h.pid);
  const taken = Date.parse(h.startedAt);
  // one second of slack: /proc's start time is in ticks and the boot time in whole seconds
  return started === undefined || !Number.isFinite(taken) || started <= taken + 1000;
}

async function readHolder(path: string): Promise<RunLockHolder | undefined | 'missing'> {
  let text: string;
  try {
    // a lock is a few hundred bytes; a FIFO or a device in its place would hang the read
    text = await readRegularTextFile(path, 64 << 10, 'text');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    if (err instanceof NotRegularFileError || err instanceof RangeError) return undefined; // not ours: refused
    throw err;
  }
  try {
    const h = JSON.parse(text) as RunLockHolder;
    if (Number.isInteger(h?.pid) && typeof h.host === 'string' && typeof h.token === 'string') return h;
  } catch {
    // unreadable: judged below
  }
  return undefined;
}

/**
 * Takes the lock of run folder `dir` (created when missing) for `command`.
 * @throws RunLockedError when a live process (or one on another host, or an unreadable lock)
 *   holds it; RunWriteError naming the lock when the folder or the lock cannot be written
 *   (EACCES, EROFS, ENOSPC, a file in the way).
 */
export async function acquireRunLock(dir: string, command: string): Promise<RunLock> {
  const path = join(dir, RUN_LOCK_FILE);
  const me: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    startedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  const staging = `${path}.${me.token}.new`;
  try {
    await makeDirectory(dir);
    await writeFile(staging, `${JSON.stringify(me)}\n`);
  } catch (err) {
    await unlink(staging).catch(() => undefined);
    throw new RunWriteError(path, err);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(staging, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readHolder(path);
      if (holder === 'missing') continue; // released in between: try again
      if (holder === undefined)
        throw new RunLockedError(
          dir,
          undefined,
          `${path} is not a lock this deepsc wrote; remove it if no command is writing the folder`,
        );
      if (holder.host !== me.host)
        throw new RunLockedError(
          dir,
          holder,
          `locked by ${describe(holder)}; if that process is gone, remove ${path}`,
        );
      if (attempt > 2 || (await holderRunning(holder)))
        throw new RunLockedError(
          dir,
          holder,
          `locked by ${describe(holder)}; wait for it to finish or stop it`,
        );
      // Stale: move it aside under a name of our own, and take it over only if what moved is
      // the lock judged stale (another process may have taken it over in between).
      const aside = `${path}.${me.token}.stale`;
      try {
        await rename(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await readHolder(aside);
      if (moved !== 'missing' && moved !== undefined && moved.token !== holder.token) {
        // a fresh lock: put it back and give up
        await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
        throw new RunLockedError(
          dir,
          moved,
          `locked by ${describe(moved)}; wait for it to finish or stop it`,
        );
      }
      await rm(aside, { force: true });
    }
  } finally {
    await unlink(staging).catch(() => undefined);
  }
  let released = false;
  // a process.exit() while held (a second Ctrl-C) still removes the lock, synchronously
  const onExit = () => {
    try {
      if ((JSON.parse(readFileSync(path, 'utf8')) as RunLockHolder).token === me.token) unlinkSync(path);
    } catch {
      // gone or unreadable: nothing of ours to remove
    }
  };
  process.once('exit', onExit);
  return {
    dir,
    path,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const holder = await readHolder(path).catch(() => undefined);
      if (holder && holder !== 'missing' && holder.token === me.token) await rm(path, { force: true });
    },
  };
}

/**
 * Runs `fn` holding the lock of `dir`, releasing it however `fn` ends.
 * @throws RunLockedError as {@link acquireRunLock}; whatever `fn` throws.
 */
export async function withRunLock<T>(
  dir: string,
  command: string,
  fn: (lock: RunLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireRunLock(dir, command);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
