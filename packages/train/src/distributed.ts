/**
 * What the trainer needs of a process group for data-parallel training, and the few exchanges
 * it makes through one: rank 0's decisions shared with every rank (the checkpoint to resume
 * from, whether to stop), and the per-step reduction of the loss terms with the interrupt flag.
 *
 * `TrainingGroup` is the part of `@deepsc/distributed`'s `ProcessGroup` the trainer calls,
 * written out here so that `@deepsc/train` neither loads nor type-depends on that optional
 * package: a `ProcessGroup` is a `TrainingGroup`.
 * @module
 */
import type { CompiledModel } from '@deepsc/core';

/** The collectives the trainer uses (a subset of `@deepsc/distributed`'s `ProcessGroup`). */
export interface TrainingGroup {
  readonly rank: number;
  readonly worldSize: number;
  broadcast(arrays: Float32Array[], root?: number): Promise<void>;
  allReduce(arrays: Float32Array[], op: 'sum' | 'mean'): Promise<void>;
  barrier(timeoutMs?: number): Promise<void>;
  broadcastModel(model: CompiledModel): Promise<void>;
  attachGradients(model: CompiledModel, options?: { bucketBytes?: number }): void;
  detachGradients(model: CompiledModel): void;
  /**
   * The failure that broke the group (a lost or hung rank), if any: the cause of an engine
   * error from a step whose gradient reduction failed.
   */
  failure(): Error | undefined;
}

/** Most UTF-16 code units {@link shareText} carries (a checkpoint path, a short JSON). */
const MAX_SHARED_TEXT = 1 << 16;

/**
 * Rank 0's `text` on every rank (others pass anything; it is ignored). Code units travel as
 * float32, which holds every 16-bit value exactly.
 * @throws RangeError on rank 0 for a text longer than 65,536 code units.
 */
export async function shareText(group: TrainingGroup, text: string): Promise<string> {
  const mine = group.rank === 0 ? text : '';
  if (mine.length > MAX_SHARED_TEXT)
    throw new RangeError(`shareText: ${mine.length} code units, at most ${MAX_SHARED_TEXT}`);
  const length = new Float32Array([mine.length]);
  await group.broadcast([length], 0);
  const codes = new Float32Array(length[0] as number);
  for (let i = 0; i < mine.length; i++) codes[i] = mine.charCodeAt(i);
  await group.broadcast([codes], 0);
  let out = '';
  for (let i = 0; i < codes.length; i += 4096)
    out += String.fromCharCode(...Array.from(codes.subarray(i, i + 4096)));
  return out;
}

/** The sums over every rank of one optimizer step's numbers, and whether any rank asked to stop. */
export interface StepAgreement {
  /** Per key, the sum over ranks of each rank's value (keys in the caller's order). */
  sums: Record<string, number>;
  /** True when any rank's `stop` was true. */
  stop: boolean;
}

/**
 * One all-reduce per optimizer step: each rank's step sums (its micro-batches' loss terms,
 * each already divided by the global batch) and its stop flag (Ctrl-C seen), so every rank
 * logs the global step and all stop after the same step. Every rank passes the same keys in
 * the same order (the trainer's loss terms for the run's variant).
 */
export async function agreeOnStep(
  group: TrainingGroup,
  values: Record<string, number>,
  stop: boolean,
): Promise<StepAgreement> {
  const keys = Object.keys(values);
  const a = new Float32Array(keys.length + 1);
  a[0] = stop ? 1 : 0;
  keys.forEach((k, i) => {
    a[i + 1] = values[k] as number;
  });
  await group.allReduce([a], 'sum');
  const sums: Record<string, number> = {};
  keys.forEach((k, i) => {
    sums[k] = a[i + 1] as number;
  });
  return { sums, stop: (a[0] as number) > 0 };
}

/**
 * Waits at a barrier while rank 0 alone works (validation, checkpoints), calling `heartbeat`
 * every second meanwhile so a watchdog can tell waiting from hanging.
 */
export async function waitForRankZero(
  group: TrainingGroup,
  timeoutMs: number,
  heartbeat?: () => void,
): Promise<void> {
  const timer = heartbeat ? setInterval(heartbeat, 1000) : undefined;
  try {
    await group.barrier(timeoutMs);
  } finally {
    if (timer) clearInterval(timer);
  }
}

/**
 * A phase only rank 0 runs (validation, checkpoints), with its decision: rank 0 runs `work`;
 * the other ranks wait (see {@link waitForRankZero}); every rank returns rank 0's answer.
 */
export async function rankZeroDecides(
  group: TrainingGroup,
  work: () => Promise<boolean>,
  timeoutMs: number,
  heartbeat?: () => void,
): Promise<boolean> {
  const answer = group.rank === 0 ? await work() : false;
  await waitForRankZero(group, timeoutMs, heartbeat);
  const flag = new Float32Array([answer ? 1 : 0]);
  await group.broadcast([flag], 0);
  return flag[0] === 1;
}
