/**
 * The launcher of a data-parallel `deepsc train` (`--nproc N`, the way torchrun does it): starts
 * this machine's N workers (this same command re-run as children, each with its rank, thread
 * count and the rendezvous in its environment), forwards rank 0's output, passes Ctrl-C to every
 * worker, and watches them: a worker that dies (any signal, any exit but 0) or hangs ends the
 * whole job within the timeout, with one error naming the rank and how it ended, after the
 * others are stopped.
 *
 * How a failure is told apart from its consequences: each worker reports the error it ends with
 * over the IPC channel, marked `peer` when it is the process group's (a peer lost or timed out).
 * The launcher blames, in order: the first worker that ended by a signal or exited without a
 * report (killed, crashed), or reported an error of its own; else a worker that is still alive
 * but silent while the others timed out waiting for it (hung); else the first report. Workers
 * send heartbeats once they joined the group and as they make progress (and every second while
 * they wait for rank 0), and a worker silent for twice the timeout (plus a minute before its
 * first heartbeat) is hung too.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { interruptSignal } from '../train-errors.js';
import { type LaunchPlan, type RendezvousSpec, workerEnv } from './launch-plan.js';
import { LOST_WORKER_EXIT, loadDistributed, type WorkerMessage } from './launch-worker.js';

/** A started worker as the launcher follows it. */
export interface LaunchedWorker {
  rank: number;
  proc: Pick<ChildProcess, 'pid' | 'kill' | 'on'>;
  lastBeat: number;
  /** Whether it sent a heartbeat yet (it does once it joined the group). */
  beaten: boolean;
  report?: { code: number; message: string; peer: boolean };
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<void>;
}

/** What the launcher needs from its surroundings (tests pass their own streams). */
export interface LaunchIo {
  stdout: { write(s: string | Uint8Array): boolean };
  stderr: { write(s: string | Uint8Array): boolean };
}

/** Time a worker may take to start (load the engine, join the group) on top of the watchdog's. */
const STARTUP_MS = 60_000;

/** How long after the first failure the launcher collects the others' reports before it decides. */
const SETTLE_MS = 1000;

/**
 * A folder rendezvous exists and is a folder (made if missing); a TCP one is checked by the
 * workers (rank 0 serves it).
 * @throws CliError (exit 2) for a path that is not a folder or cannot be made.
 */
async function readyRendezvous(r: RendezvousSpec): Promise<void> {
  if (r.kind !== 'file') return;
  const st = await stat(r.path).catch(() => undefined);
  if (st && !st.isDirectory())
    throw new CliError(`--rendezvous ${r.path} is not a folder: give a shared folder or host:port`);
  if (!st)
    await mkdir(r.path, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`--rendezvous ${r.path}: cannot make the folder (${err.code ?? err.message})`);
    });
}

/** Splits a stream into lines with `prefix` (a partial last line waits for its end). */
function prefixLines(prefix: string, write: (s: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + String(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) write(`${prefix}${l}\n`);
  };
}

const describeExit = (w: LaunchedWorker): string =>
  w.exit?.signal
    ? `was killed by ${w.exit.signal}`
    : `exited with code ${w.exit?.code} without reporting an error (see its output above)`;

/**
 * Runs the job's workers on this machine and waits for them.
 * @param args - the worker's command line after the program (`train --config ...`), launcher options removed.
 * @returns when every worker finished with exit 0.
 * @throws CliError: exit 2 for a rendezvous folder that cannot be used or @deepsc/distributed
 *   missing (naming what to install); the failing rank's own error and code; {@link LOST_WORKER_EXIT} naming a rank
 *   that was killed, crashed or hung; 130 after Ctrl-C (each worker stopped after the same step
 *   and rank 0 saved a checkpoint).
 */
export async function launch(
  plan: LaunchPlan,
  args: readonly string[],
  io: LaunchIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<void> {
  if (plan.rendezvous) await readyRendezvous(plan.rendezvous);
  await loadDistributed(); // a missing package is said once, before any worker starts
  const tmp = plan.rendezvous ? undefined : await mkdtemp(join(tmpdir(), 'deepsc-rendezvous-'));
  const rendezvous: RendezvousSpec = plan.rendezvous ?? { kind: 'file', path: tmp as string };
  const { signal, release } = interruptSignal();
  const workers: LaunchedWorker[] = [];
  const killAll = () => {
    for (const w of workers) if (!w.exit) w.proc.kill('SIGKILL');
  };
  // a second Ctrl-C exits at once (interruptSignal): the workers go with the launcher
  process.on('exit', killAll);
  let ending = false;
  try {
    for (let local = 0; local < plan.nproc; local++) {
      const proc = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...args], {
        env: { ...process.env, ...workerEnv(plan, local, rendezvous) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // its own process group: a terminal's Ctrl-C reaches the launcher alone, which passes it on once
        detached: true,
      });
      const rank = plan.nodeRank * plan.nproc + local;
      const w: LaunchedWorker = {
        rank,
        proc,
        lastBeat: Date.now(),
        beaten: false,
        exited: new Promise((resolve) => {
          proc.on('exit', (code, sig) => {
            w.exit = { code, signal: sig };
            resolve();
          });
          proc.on('error', (err) => {
            w.exit = { code: null, signal: null };
            w.report = { code: ExitCode.failure, message: `could not start: ${err.message}`, peer: false };
            resolve();
          });
        }),
      };
      proc.on('message', (m: WorkerMessage) => {
        w.lastBeat = Date.now();
        w.beaten = true;
        if (m.type === 'failed') w.report = { code: m.code, message: m.message, peer: m.peer };
      });
      if (rank === 0) {
        proc.stdout?.on('data', (d) => io.stdout.write(d));
        proc.stderr?.on('data', (d) => io.stderr.write(d));
      } else {
        proc.stdout?.resume(); // the summary is rank 0's
        const write = prefixLines(`[rank ${rank}] `, (s) => {
          if (!ending) io.stderr.write(s);
        });
        proc.stderr?.on('data', write);
      }
      workers.push(w);
    }
    signal.addEventListener('abort', () => {
      for (const w of workers) if (!w.exit) w.proc.kill('SIGINT');
    });
    const outcome = await supervise(workers, plan.timeoutMs, () => {
      ending = true;
    });
    if (outcome) throw outcome;
    if (signal.aborted) throw new CliError('interrupted', ExitCode.interrupted);
  } finally {
    killAll();
    await Promise.all(workers.map((w) => w.exited));
    process.off('exit', killAll);
    release();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Waits for the workers, stops those left once one failed, and returns the job's error
 * (undefined when all exited 0): see the module's comment for whom it blames.
 */
export async function supervise(
  workers: LaunchedWorker[],
  timeoutMs: number,
  onEnding: () => void,
): Promise<CliError | undefined> {
  const failing = (w: LaunchedWorker) =>
    w.report !== undefined || (w.exit !== undefined && w.exit.code !== 0);
  let hung: LaunchedWorker[] = [];
  await new Promise<void>((resolve) => {
    let settle: NodeJS.Timeout | undefined;
    const watchdog = setInterval(
      () => {
        const silent = workers.filter(
          (w) =>
            !w.exit && !w.report && Date.now() - w.lastBeat > 2 * timeoutMs + (w.beaten ? 0 : STARTUP_MS),
        );
        if (silent.length && !settle) {
          hung = silent;
          finish();
        }
      },
      Math.min(1000, timeoutMs / 4),
    );
    const finish = () => {
      clearInterval(watchdog);
      if (settle) clearTimeout(settle);
      resolve();
    };
    const check = () => {
      if (workers.every((w) => w.exit)) return finish();
      // an interrupt: every worker saves (rank 0) and exits 130 by itself
      if (!settle && workers.some((w) => failing(w) && w.report?.code !== ExitCode.interrupted)) {
        onEnding();
        settle = setTimeout(finish, SETTLE_MS);
      }
    };
    for (const w of workers) {
      w.proc.on('message', check);
      void w.exited.then(check);
    }
  });
  onEnding();
  // what is still running (waiting on the failed rank, or hung) is stopped
  const alive = workers.filter((w) => !w.exit);
  if (hung.length === 0 && alive.length && workers.some((w) => w.report?.peer))
    hung = alive.filter((w) => !w.report);
  for (const w of alive) w.proc.kill('SIGKILL');
  await Promise.all(alive.map((w) => w.exited));
  const n = workers.length;
  // causes in the order they happened are not known exactly; a worker's own failure comes first
  const died = workers.find((w) => !w.report && w.exit && w.exit.code !== 0 && !alive.includes(w));
  if (died)
    return new CliError(
      `rank ${died.rank} of ${n} (pid ${died.proc.pid}) ${describeExit(died)}; stopped the other workers`,
      LOST_WORKER_EXIT,
    );
  const own = workers.find((w) => w.report && !w.report.peer && w.report.code !== ExitCode.interrupted);
  if (own?.report) return new CliError(`rank ${own.rank} of ${n}: ${own.report.message}`, own.report.code);
  if (hung.length)
    return new CliError(
      `${hung.map((w) => `rank ${w.rank} (pid ${w.proc.pid})`).join(', ')} of ${n} stopped responding: no progress for ${Math.round((Date.now() - Math.min(...hung.map((w) => w.lastBeat))) / 1000)} s while the others waited (timeout ${timeoutMs / 1000} s); stopped every worker`,
      LOST_WORKER_EXIT,
    );
  const peer = workers.find((w) => w.report?.peer);
  if (peer?.report)
    return new CliError(`rank ${peer.rank} of ${n}: ${peer.report.message}`, peer.report.code);
  const interrupted =
    workers.find((w) => w.report?.code === ExitCode.interrupted && w.rank === 0) ??
    workers.find((w) => w.report?.code === ExitCode.interrupted);
  if (interrupted?.report) return new CliError(interrupted.report.message, ExitCode.interrupted);
  return undefined;
}
