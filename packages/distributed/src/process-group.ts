/**
 * A process group: this rank's membership in a data-parallel job, its collectives, and the
 * hook that averages a model's gradients over the ranks during the backward.
 * @module
 */
import { resolve } from 'node:path';
import type { CompiledModel } from '@deepsc/core';
import { loadDistributedBinding, type NativeProcessGroup } from './binding.js';
import { DistributedError, fromNative } from './errors.js';

/** How the ranks find each other. */
export type Rendezvous =
  /**
   * gloo's file store: a folder every rank can read and write (local disk for one machine, a
   * shared file system for several). Keys live under `jobId` (default `deepsc`); a folder
   * holding an earlier run's keys of the same job is refused, so use a fresh folder (or a
   * fresh `jobId`) per run.
   */
  | { kind: 'file'; path: string; jobId?: string }
  /**
   * A key-value store that global rank 0 serves on `host:port` (an address of rank 0's machine
   * every rank can reach; rank 0 binds it): no shared folder needed. Keys live under `jobId`.
   */
  | { kind: 'tcp'; host: string; port: number; jobId?: string };

/** Options of {@link initProcessGroup}. */
export interface ProcessGroupOptions {
  /** This process's rank, in [0, worldSize). */
  rank: number;
  /** How many processes take part. */
  worldSize: number;
  rendezvous: Rendezvous;
  /** The rendezvous and every collective fail after this long (milliseconds). */
  timeoutMs: number;
  /** The address this rank's TCP transport binds (default 127.0.0.1, for one machine). */
  hostname?: string;
}

/** Options of {@link ProcessGroup.attachGradients}. */
export interface AttachOptions {
  /** Gradients are averaged in buckets of about this many bytes (default 25 MiB, as PyTorch DDP). */
  bucketBytes?: number;
  /**
   * The first bucket of each step (the gradients the backward finishes first) holds at most this
   * many bytes, so the first collective starts early in the backward (default 1 MiB, as DDP).
   */
  firstBucketBytes?: number;
}

/** Options of {@link ProcessGroup.allReduce}. */
export interface AllReduceOptions {
  /** gloo's algorithm: `ring` (default) or `halving-doubling`. */
  algorithm?: 'ring' | 'halving-doubling';
}

/** The default gradient bucket: 25 MiB. */
export const defaultBucketBytes = 25 * 1024 * 1024;
/** The default first bucket of a step: 1 MiB. */
export const defaultFirstBucketBytes = 1024 * 1024;

const rejectNative = (err: unknown): never => {
  throw fromNative(err);
};

/**
 * Joins a process group: every rank of `worldSize` must call this with the same rendezvous
 * within `timeoutMs`. Resolves when every rank is connected to every other.
 * @throws TypeError or RangeError for bad options; (rejects) DistributedError when a rank does
 *   not join in time (naming it), the rendezvous folder is unusable or holds an earlier run's
 *   keys; DistributedUnavailableError when gloo or the addon is missing.
 */
export async function initProcessGroup(options: ProcessGroupOptions): Promise<ProcessGroup> {
  const { rank, worldSize, rendezvous, timeoutMs } = options;
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new RangeError(`initProcessGroup: worldSize must be an integer >= 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new RangeError(`initProcessGroup: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1)
    throw new RangeError(`initProcessGroup: timeoutMs must be an integer in [1, 2^31), got ${timeoutMs}`);
  let store: { storePath: string; storeHost?: string; storePort?: number };
  if (rendezvous?.kind === 'tcp') {
    if (typeof rendezvous.host !== 'string' || rendezvous.host === '')
      throw new TypeError(
        'initProcessGroup: a tcp rendezvous needs a host (an address of rank 0 every rank can reach)',
      );
    if (!Number.isInteger(rendezvous.port) || rendezvous.port < 1 || rendezvous.port > 65535)
      throw new RangeError(
        `initProcessGroup: the tcp rendezvous port must be an integer in [1, 65535], got ${rendezvous.port}`,
      );
    store = { storePath: '', storeHost: rendezvous.host, storePort: rendezvous.port };
  } else if (rendezvous?.kind === 'file' && typeof rendezvous.path === 'string' && rendezvous.path !== '') {
    store = { storePath: resolve(rendezvous.path) };
  } else {
    throw new TypeError(
      "initProcessGroup: rendezvous must be { kind: 'file', path } or { kind: 'tcp', host, port }",
    );
  }
  const jobId = rendezvous.jobId ?? 'deepsc';
  if (!/^[\w.-]{1,128}$/.test(jobId))
    throw new TypeError(
      `initProcessGroup: jobId must be 1-128 letters, digits, '_', '.' or '-', got '${jobId}'`,
    );
  const host = options.hostname ?? '127.0.0.1';
  const native = new (loadDistributedBinding().NativeProcessGroup)({
    rank,
    worldSize,
    ...store,
    jobId,
    hostname: host,
    timeoutMs,
  });
  try {
    await native.connect();
  } catch (err) {
    native.destroy();
    throw fromNative(err);
  }
  return new ProcessGroup(native, rank, worldSize, timeoutMs);
}

/** This rank's view of a connected group. Collectives run in call order on one thread. */
export class ProcessGroup {
  readonly #native: NativeProcessGroup;
  readonly #attached = new Set<CompiledModel>();
  #destroyed = false;
  /** This process's rank. */
  readonly rank: number;
  /** How many ranks the group has. */
  readonly worldSize: number;
  /** The timeout of every collective (milliseconds). */
  readonly timeoutMs: number;

  /** @internal (use {@link initProcessGroup}) */
  constructor(native: NativeProcessGroup, rank: number, worldSize: number, timeoutMs: number) {
    this.#native = native;
    this.rank = rank;
    this.worldSize = worldSize;
    this.timeoutMs = timeoutMs;
  }

  #live(what: string): void {
    if (this.#destroyed) throw new DistributedError(`${what}: the process group was destroyed`);
  }

  /**
   * Sends `root`'s arrays to every rank, in place (every rank passes arrays of the same lengths).
   * The arrays must not be touched until the promise settles.
   * @throws (rejects) DistributedError on a timeout or a lost peer.
   */
  async broadcast(arrays: Float32Array[], root = 0): Promise<void> {
    this.#live('broadcast');
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize)
      throw new RangeError(`broadcast: root must be a rank in [0, ${this.worldSize}), got ${root}`);
    await this.#native.broadcast(arrays, root).catch(rejectNative);
  }

  /**
   * Sums (or averages) the arrays element-wise over the ranks, in place; every rank passes
   * arrays of the same lengths. Deterministic: each rank gets the same bits, the same on every
   * run with the same world size; within float32 summation error of the exact sum
   * (|error| <= (worldSize - 1) * 2^-24 * sum |x_i|, plus one rounding for `mean`).
   * @throws (rejects) DistributedError on a timeout or a lost peer.
   */
  async allReduce(arrays: Float32Array[], op: 'sum' | 'mean', options: AllReduceOptions = {}): Promise<void> {
    this.#live('allReduce');
    if (op !== 'sum' && op !== 'mean')
      throw new RangeError(`allReduce: op must be 'sum' or 'mean', got '${String(op)}'`);
    const algorithm = options.algorithm ?? 'ring';
    await this.#native.allReduce(arrays, op === 'mean', algorithm).catch(rejectNative);
  }

  /** Resolves when every rank has entered the barrier. @throws (rejects) DistributedError after `timeoutMs`. */
  async barrier(timeoutMs = this.timeoutMs): Promise<void> {
    this.#live('barrier');
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new RangeError(`barrier: timeoutMs must be a positive integer, got ${timeoutMs}`);
    await this.#native.barrier(timeoutMs).catch(rejectNative);
  }

  /**
   * Copies rank 0's parameters and state tensors into every rank's model (the start of training;
   * after a resume every rank loads the same checkpoint, and this makes sure of it).
   */
  async broadcastModel(model: CompiledModel): Promise<void> {
    this.#live('broadcastModel');
    const dict = model.stateDict();
    try {
      await this.broadcast(
        Object.values(dict).map((t) => t.data),
        0,
      );
      if (this.rank !== 0) model.loadStateDict(dict);
    } finally {
      for (const t of Object.values(dict)) t.dispose();
    }
  }

  /**
   * From now on, a backward of `model` that completes a step's gradients (`syncGradients`, the
   * default) averages them over the ranks in buckets while the rest of the backward runs, and
   * `model.step()` waits for that and steps with the mean (clipping sees the global gradient).
   * Every rank must attach the same model (same graph) with the same bucket size.
   */
  attachGradients(model: CompiledModel, options: AttachOptions = {}): void {
    this.#live('attachGradients');
    const bucketBytes = options.bucketBytes ?? defaultBucketBytes;
    const firstBucketBytes = options.firstBucketBytes ?? defaultFirstBucketBytes;
    for (const [name, v] of [
      ['bucketBytes', bucketBytes],
      ['firstBucketBytes', firstBucketBytes],
    ] as const)
      if (!Number.isInteger(v) || v < 4)
        throw new RangeError(`attachGradients: ${name} must be an integer >= 4, got ${v}`);
    model.setGradientHook(this.#native.gradientHook(bucketBytes, firstBucketBytes));
    this.#attached.add(model);
  }

  /** The model's gradients are its own again (the hook is removed). */
  detachGradients(model: CompiledModel): void {
    if (!this.#attached.delete(model)) return;
    if (!model.disposed) model.setGradientHook(null);
  }

  /** The failure that broke this group (a lost or hung rank), if any: what a caught engine error was caused by. */
  failure(): DistributedError | undefined {
    const f = this.#native.failure();
    return f === undefined ? undefined : (fromNative(f) as DistributedError);
  }

  /**
   * Leaves the group: detaches the models (those not busy), lets a running collective finish
   * (at most `timeoutMs`), cancels queued ones (they reject), closes the connections. Idempotent.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const m of this.#attached) if (!m.disposed && !m.busy) m.setGradientHook(null);
    this.#attached.clear();
    this.#native.destroy();
  }
}
