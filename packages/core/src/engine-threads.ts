/**
 * The engine's CPU thread pool size, for timings that must say how many threads they ran on.
 * @module
 */
import { loadBinding } from '@deepsc/native';

/** Threads in the engine's pool (the calling thread included). */
export function engineThreads(): number {
  return loadBinding().info().threads;
}
