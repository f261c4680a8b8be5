/**
 * Live native memory, for leak checks: every tensor in native memory, every compiled model's
 * arena and persistent tensors, and optimizer state are counted until freed.
 * @module
 */
import { loadBinding, type MemoryStats } from '@deepsc/native';

export type { MemoryStats };

/** Live native bytes by category. */
export function nativeMemory(): MemoryStats & { total: number } {
  const s = loadBinding().memoryStats();
  return { ...s, total: s.tensors + s.arenas + s.persistent + s.optimizer };
}

/** Live bytes of native tensors handed to JS (what `Tensor.dispose` frees). */
export function liveTensorBytes(): number {
  return loadBinding().memoryStats().tensors;
}
