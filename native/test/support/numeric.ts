/** The seeded tensors and closeness measure of the exported test helpers (`@deepsc/native/testing`), for the op tests. */
export * from '../../lib/testing/numeric.js';
