/**
 * The distributed sampler: which micro-batches of an epoch each of N processes takes.
 *
 * `training.accumulate` (k) stays the global batch: k scans per optimizer step, whatever N. Every
 * rank computes the same epoch order (`epochOrder`, seeded by the seed and the epoch); of step
 * s's k scans, at positions `s k + i` (i = 0..k-1) of that order, rank r takes those with
 * `i % N === r`, i.e. the scans r, r + N, r + 2N, ... of the step: k / N micro-batches each, so
 * N must divide k. Each micro-batch keeps its global index m = s k + i, the index of its random
 * stream (`Rng(seed/step/e/m)`), so N ranks draw exactly the samples one process draws and the
 * mean of their gradients is the single process's step up to float32 summation order.
 * @module
 */
import { ConfigError } from './config/config-error.js';

/** A process's place in the group: rank `rank` of `worldSize`. */
export interface ShardPlace {
  rank: number;
  worldSize: number;
}

/** One micro-batch a rank takes: its global index in the epoch and the training scan's index. */
export interface ShardItem {
  /** Global micro-batch index in the epoch (step x accumulate + position in the step). */
  m: number;
  /** Index into the training split. */
  scan: number;
}

/**
 * Micro-batches per optimizer step on each of `worldSize` ranks: accumulate / worldSize.
 * @throws ConfigError naming `training.accumulate` when `worldSize` does not divide it.
 */
export function localMicroBatches(accumulate: number, worldSize: number, source = 'training'): number {
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new RangeError(`world size must be a positive integer, got ${worldSize}`);
  if (accumulate % worldSize !== 0) {
    const fits = [...Array(accumulate).keys()].map((i) => i + 1).filter((n) => accumulate % n === 0);
    throw new ConfigError(source, [
      `training.accumulate: got ${accumulate}; it is the global batch (scans per optimizer step), shared by ${worldSize} processes, so it must be a multiple of ${worldSize}: set training.accumulate to ${worldSize * Math.max(1, Math.round(accumulate / worldSize))} (or run ${fits.join(', ')} process${fits.length > 1 ? 'es' : ''})`,
    ]);
  }
  return accumulate / worldSize;
}

/**
 * The micro-batches `place.rank` takes of an epoch, in order, from optimizer step `fromStep` on.
 * @param order - the epoch's scan order (`epochOrder`: steps x accumulate scans).
 * @param accumulate - scans per optimizer step (the global batch); `place.worldSize` divides it.
 */
export function shardOrder(
  order: readonly number[],
  accumulate: number,
  place: ShardPlace,
  fromStep = 0,
): ShardItem[] {
  localMicroBatches(accumulate, place.worldSize);
  if (!Number.isInteger(place.rank) || place.rank < 0 || place.rank >= place.worldSize)
    throw new RangeError(`rank must be 0 to ${place.worldSize - 1}, got ${place.rank}`);
  const out: ShardItem[] = [];
  for (let m = fromStep * accumulate + place.rank; m < order.length; m += place.worldSize)
    out.push({ m, scan: order[m] as number });
  return out;
}
