/**
 * `@deepsc/random`: the seeded uniform generator that the engine's tests
 * (`@deepsc/native/testing`'s `rng`), parameter initialisation (`@deepsc/core`) and bootstrap
 * intervals (`@deepsc/eval`) share, written once. It sits below all three because `@deepsc/eval`
 * depends on no engine and `@deepsc/native` on no other package.
 * @module
 */
export { mulberry32, type Uniform } from './mulberry32.js';
