/**
 * The worker side of a data-parallel `deepsc train`: loads the optional `@deepsc/distributed`
 * package (only here: a single-process run never touches it), joins the process group, and
 * talks to the launcher over the IPC channel it was started with: heartbeats while training
 * makes progress, and the one error it ended with (the launcher, not the worker, prints it, so a
 * job that fails says so once).
 * @module
 */
import type { CompiledModel } from '@deepsc/core';
import type { TrainingGroup } from '@deepsc/train';
import { CliError, ExitCode } from '../errors.js';
import type { RendezvousSpec, WorkerPlace } from './launch-plan.js';

/** The package that provides the process group (gloo). */
export const DISTRIBUTED_PACKAGE = '@deepsc/distributed';

/** What the worker uses of `@deepsc/distributed` (its `ProcessGroup` is a `TrainingGroup`). */
export interface DistributedModule {
  initProcessGroup(options: {
    rank: number;
    worldSize: number;
    rendezvous: RendezvousSpec;
    timeoutMs: number;
    hostname?: string;
  }): Promise<TrainingGroup & { destroy(): void; broadcastModel(model: CompiledModel): Promise<void> }>;
}

/**
 * Imports the distributed package.
 * @param specifier - the module to import (tests pass one that does not exist).
 * @throws CliError (exit 2) naming what to install when it or its addon is missing.
 */
export async function loadDistributed(specifier: string = DISTRIBUTED_PACKAGE): Promise<DistributedModule> {
  try {
    return (await import(specifier)) as DistributedModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.name === 'DistributedUnavailableError') throw new CliError(e.message, ExitCode.usage);
    if (
      (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
      String(e.message).includes(specifier)
    )
      throw new CliError(
        `data-parallel training (--nproc, --nnodes) needs the optional package ${specifier}, which is not installed: npm i ${specifier} (its addon needs gloo: apt install libgloo-dev on Debian and Ubuntu)`,
        ExitCode.usage,
      );
    throw err;
  }
}

/** A message from a worker to its launcher. */
export type WorkerMessage =
  | { type: 'beat' }
  /** The error the worker ends with; `peer`: a consequence of another rank (lost, timed out). */
  | { type: 'failed'; code: number; message: string; peer: boolean };

/** Whether an error is the process group's (a peer lost or timed out, a bad rendezvous). */
export const isDistributedError = (err: unknown): boolean => (err as Error)?.name === 'DistributedError';

/** The launcher's channel, when this worker was started by one. */
export function launcherChannel(): {
  heartbeat: () => void;
  report: (message: WorkerMessage) => Promise<void>;
} {
  let last = 0;
  const send = (m: WorkerMessage) =>
    new Promise<void>((resolve) => {
      if (!process.send || !process.connected) return resolve();
      process.send(m, undefined, {}, () => resolve());
    });
  return {
    heartbeat: () => {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      void send({ type: 'beat' });
    },
    report: send,
  };
}

/** Whether this process was started by a launcher (it has the IPC channel). */
export const underLauncher = (): boolean => typeof process.send === 'function' && process.connected;

/**
 * Joins the job this worker's environment describes.
 * @throws CliError (exit 2) when the package is missing; the package's DistributedError for a
 *   rendezvous that fails or times out.
 */
export async function joinGroup(place: WorkerPlace): Promise<TrainingGroup & { destroy(): void }> {
  const dist = await loadDistributed();
  return dist.initProcessGroup({
    rank: place.rank,
    worldSize: place.worldSize,
    rendezvous: place.rendezvous,
    timeoutMs: place.timeoutMs,
    hostname: place.host,
  });
}

/** Fails with `message` under the launcher: reports it, then exits with `code` (nothing printed). */
export async function reportAndExit(message: WorkerMessage & { type: 'failed' }): Promise<never> {
  await launcherChannel().report(message);
  process.exit(message.code);
}

/** Exit code of a job that lost a worker (killed, crashed, hung or unreachable): a system failure. */
export const LOST_WORKER_EXIT = ExitCode.io;

/** The CLI error a worker's failure becomes (a lost peer: {@link LOST_WORKER_EXIT}). */
export function workerFailure(err: unknown): { code: number; message: string; peer: boolean } {
  if (err instanceof CliError) return { code: err.code, message: err.message, peer: false };
  if (isDistributedError(err)) return { code: LOST_WORKER_EXIT, message: (err as Error).message, peer: true };
  return { code: ExitCode.failure, message: (err as Error)?.message ?? String(err), peer: false };
}
