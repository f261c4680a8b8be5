/**
 * The plan of a data-parallel `deepsc train` (the way torchrun does it): how many worker
 * processes on this machine, their global ranks, threads, the rendezvous and the timeout, from
 * the command's options, checked before anything starts; and the environment each worker gets
 * (`DEEPSC_RANK`, `DEEPSC_WORLD_SIZE`, ...), which is also how a worker started by other means
 * (a cluster scheduler) joins a job.
 * @module
 */
import { availableParallelism, hostname } from 'node:os';
import { CliError } from '../errors.js';

/** Where the ranks meet (`Rendezvous` of `@deepsc/distributed`). */
export type RendezvousSpec = { kind: 'file'; path: string } | { kind: 'tcp'; host: string; port: number };

/** The launcher's options of `deepsc train`, as commander gives them (strings). */
export interface LaunchOptionValues {
  nproc?: string;
  nnodes?: string;
  nodeRank?: string;
  rendezvous?: string;
  threadsPerProc?: string;
  distTimeout?: string;
  host?: string;
}

/** A checked plan: this machine's workers and what they need to find the others. */
export interface LaunchPlan {
  /** Workers on this machine. */
  nproc: number;
  nnodes: number;
  nodeRank: number;
  /** nproc x nnodes. */
  worldSize: number;
  threadsPerProc: number;
  /** Collectives, the rendezvous and the watchdog fail after this long. */
  timeoutMs: number;
  /** Given with --rendezvous, else none (one machine: the launcher makes a temporary folder). */
  rendezvous?: RendezvousSpec;
  /** The address this machine's workers listen on for the others. */
  host: string;
  /** With `training.device: cuda`: the GPU of each local worker (its `CUDA_VISIBLE_DEVICES`). */
  gpus?: string[];
}

/**
 * One GPU per local worker, the way torchrun's users pin `cuda:LOCAL_RANK`: the i-th of
 * `CUDA_VISIBLE_DEVICES` when it is set, else GPU i.
 * @throws CliError (exit 2) when `CUDA_VISIBLE_DEVICES` lists fewer GPUs than workers.
 */
export function gpuAssignment(nproc: number, visible = process.env.CUDA_VISIBLE_DEVICES): string[] {
  if (visible === undefined) return Array.from({ length: nproc }, (_, i) => String(i));
  const list = visible
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  if (list.length < nproc)
    throw new CliError(
      `--nproc ${nproc} with training.device cuda takes one GPU per worker, but CUDA_VISIBLE_DEVICES='${visible}' lists ${list.length}`,
    );
  return list.slice(0, nproc);
}

/** Default `--dist-timeout`, in seconds. */
export const DEFAULT_DIST_TIMEOUT_S = 300;

const integer = (flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new CliError(
      `${flag} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got '${text}'`,
    );
  return n;
};

/** Most workers one machine may start (each is a whole engine with its threads and memory). */
export const MAX_NPROC = 256;

/**
 * Reads a rendezvous: `host:port` (a TCP store served by global rank 0) or a folder every rank
 * can read and write (gloo's file store; a fresh, empty one per job).
 * @throws CliError (exit 2) naming the problem.
 */
export function parseRendezvous(text: string): RendezvousSpec {
  if (text.trim() === '') throw new CliError('--rendezvous is empty: give a shared folder or host:port');
  const tcp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d*)$/.exec(text);
  if (tcp && !text.startsWith('.') && !text.includes('/')) {
    const port = Number(tcp[2]);
    if (!/^\d+$/.test(tcp[2] as string) || port < 1 || port > 65535)
      throw new CliError(`--rendezvous ${text}: the port must be 1 to 65535`);
    return { kind: 'tcp', host: (tcp[1] as string).replace(/^\[|\]$/g, ''), port };
  }
  return { kind: 'file', path: text };
}

/** The rendezvous as one string (the form `--rendezvous` and `DEEPSC_RENDEZVOUS` take). */
export function formatRendezvous(r: RendezvousSpec): string {
  return r.kind === 'file' ? r.path : `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`;
}

/**
 * The plan the options ask for, or undefined when they ask for none (a single process).
 * @throws CliError (exit 2) for a bad value, `--node-rank` / `--rendezvous` without several
 *   machines' options where they are needed, or launcher options that contradict each other.
 */
export function launchPlan(o: LaunchOptionValues, cores = availableParallelism()): LaunchPlan | undefined {
  const launcherOptions = [
    o.nproc,
    o.nnodes,
    o.nodeRank,
    o.rendezvous,
    o.threadsPerProc,
    o.distTimeout,
    o.host,
  ];
  if (launcherOptions.every((v) => v === undefined)) return undefined;
  if (process.env[WORKER_ENV.worldSize] !== undefined)
    throw new CliError(
      `--nproc and the other launcher options start a job, but this process is already a worker of one (${WORKER_ENV.worldSize} is set): unset the DEEPSC_* variables of data-parallel training to launch a new job`,
    );
  const nproc = o.nproc === undefined ? 1 : integer('--nproc', o.nproc, 1, MAX_NPROC);
  const nnodes = o.nnodes === undefined ? 1 : integer('--nnodes', o.nnodes, 1, 65536);
  const nodeRank = o.nodeRank === undefined ? 0 : integer('--node-rank', o.nodeRank, 0, nnodes - 1);
  if (nnodes > 1 && o.nodeRank === undefined)
    throw new CliError(`--nnodes ${nnodes} needs --node-rank (0 to ${nnodes - 1}): which machine this is`);
  if (nnodes > 1 && o.rendezvous === undefined)
    throw new CliError(
      `--nnodes ${nnodes} needs --rendezvous: a folder every machine shares, or host:port of machine 0`,
    );
  const threadsPerProc =
    o.threadsPerProc === undefined
      ? Math.max(1, Math.floor(cores / nproc))
      : integer('--threads-per-proc', o.threadsPerProc, 1, 1024);
  let timeoutMs = DEFAULT_DIST_TIMEOUT_S * 1000;
  if (o.distTimeout !== undefined) {
    const s = Number(o.distTimeout);
    if (!Number.isFinite(s) || s <= 0 || s > 86_400)
      throw new CliError(
        `--dist-timeout must be seconds, more than 0 and at most 86400, got '${o.distTimeout}'`,
      );
    timeoutMs = Math.round(s * 1000);
  }
  const rendezvous = o.rendezvous === undefined ? undefined : parseRendezvous(o.rendezvous);
  return {
    nproc,
    nnodes,
    nodeRank,
    worldSize: nproc * nnodes,
    threadsPerProc,
    timeoutMs,
    ...(rendezvous ? { rendezvous } : {}),
    host: o.host ?? (nnodes > 1 ? hostname() : '127.0.0.1'),
  };
}

/** Environment variables of a worker (read by {@link workerPlace}). */
export const WORKER_ENV = {
  rank: 'DEEPSC_RANK',
  worldSize: 'DEEPSC_WORLD_SIZE',
  localRank: 'DEEPSC_LOCAL_RANK',
  localWorldSize: 'DEEPSC_LOCAL_WORLD_SIZE',
  rendezvous: 'DEEPSC_RENDEZVOUS',
  timeoutMs: 'DEEPSC_DIST_TIMEOUT_MS',
  host: 'DEEPSC_HOSTNAME',
  threads: 'DEEPSC_NUM_THREADS',
} as const;

/** The environment of local worker `localRank` (added to the launcher's own). */
export function workerEnv(
  plan: LaunchPlan,
  localRank: number,
  rendezvous: RendezvousSpec,
): Record<string, string> {
  return {
    [WORKER_ENV.rank]: String(plan.nodeRank * plan.nproc + localRank),
    [WORKER_ENV.worldSize]: String(plan.worldSize),
    [WORKER_ENV.localRank]: String(localRank),
    [WORKER_ENV.localWorldSize]: String(plan.nproc),
    [WORKER_ENV.rendezvous]: formatRendezvous(rendezvous),
    [WORKER_ENV.timeoutMs]: String(plan.timeoutMs),
    [WORKER_ENV.host]: plan.host,
    [WORKER_ENV.threads]: String(plan.threadsPerProc),
    ...(plan.gpus ? { CUDA_VISIBLE_DEVICES: plan.gpus[localRank] as string } : {}),
  };
}

/** A worker's place in the job, from its environment. */
export interface WorkerPlace {
  rank: number;
  worldSize: number;
  localRank: number;
  rendezvous: RendezvousSpec;
  timeoutMs: number;
  host: string;
}

/**
 * This process's place when it runs as a worker (`DEEPSC_WORLD_SIZE` set), else undefined.
 * @throws CliError (exit 2) naming a missing or bad variable.
 */
export function workerPlace(env: NodeJS.ProcessEnv = process.env): WorkerPlace | undefined {
  const ws = env[WORKER_ENV.worldSize];
  if (ws === undefined) return undefined;
  const need = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new CliError(`${WORKER_ENV.worldSize} is set, so this is a worker, but ${name} is not`);
    return v;
  };
  const worldSize = integer(WORKER_ENV.worldSize, ws, 1, 1 << 20);
  const rank = integer(WORKER_ENV.rank, need(WORKER_ENV.rank), 0, worldSize - 1);
  return {
    rank,
    worldSize,
    localRank:
      env[WORKER_ENV.localRank] === undefined
        ? rank
        : integer(WORKER_ENV.localRank, need(WORKER_ENV.localRank), 0),
    rendezvous: parseRendezvous(need(WORKER_ENV.rendezvous)),
    timeoutMs:
      env[WORKER_ENV.timeoutMs] === undefined
        ? DEFAULT_DIST_TIMEOUT_S * 1000
        : integer(WORKER_ENV.timeoutMs, need(WORKER_ENV.timeoutMs), 1),
    host: env[WORKER_ENV.host] ?? '127.0.0.1',
  };
}
