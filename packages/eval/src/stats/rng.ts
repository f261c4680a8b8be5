/**
 * The seeded generator of the bootstrap intervals, so a report is reproducible: mulberry32,
 * `@deepsc/random`'s (the one the engine's tests and parameter initialisation use too).
 * @module
 */

/**
 * mulberry32 (`@deepsc/random`): a 32-bit generator with a 2^32 period, plenty for bootstrap
 * resampling. `seededRandom(seed)` takes any integer (modulo 2^32), refuses a non-integer seed
 * with a RangeError, and returns a function giving uniform floats in [0, 1).
 */
export { mulberry32 as seededRandom } from '@deepsc/random';
