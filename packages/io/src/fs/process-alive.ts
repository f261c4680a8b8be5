/**
 * Whether a process still runs on this machine: how the owners of partial files and run locks
 * are judged stale.
 * @module
 */

/**
 * Whether process `pid` exists on this machine (signal 0 probes without sending; EPERM means it
 * exists, owned by another user). A PID says nothing about processes of another machine sharing
 * the file system, nor whether it was reused since: callers that can tell check that too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
