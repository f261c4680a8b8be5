/**
 * mulberry32 (Tommy Ettinger, 2017): one 32-bit word of state, a 2^32 period, integer
 * arithmetic only (`Math.imul`, shifts), so a seed gives the same stream on every platform.
 * Not cryptographic. Enough for test inputs, parameter initialisation and bootstrap resampling;
 * `@deepsc/io`'s `Rng` (xoshiro128**) is the stream for data (augmentation, splits, cohorts).
 * @module
 */

/** A generator of uniform numbers in [0, 1), each a multiple of 2^-32. */
export type Uniform = () => number;

/**
 * The mulberry32 stream of `seed`.
 * @param seed - any integer; taken modulo 2^32 (so -1 and 2^32 - 1 give the same stream).
 * @returns a function giving the next uniform number in [0, 1) at each call.
 * @throws RangeError when `seed` is not an integer (NaN, Infinity, 0.5): truncating it silently
 *   would make two different seeds give one stream.
 *
 * @example
 * const next = mulberry32(42);
 * next(); // 0.6011..., the same on every run and every platform
 */
export function mulberry32(seed: number): Uniform {
  if (!Number.isInteger(seed)) throw new RangeError(`mulberry32: the seed must be an integer, got ${seed}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
