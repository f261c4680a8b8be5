/**
 * @deepsc/cli: The deepsc command: demo, train, predict, eval, synth, inspect, convert, bench, info.
 * @packageDocumentation
 */
export const version = '0.1.0';
