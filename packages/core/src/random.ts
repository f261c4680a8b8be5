/**
 * Seeded random numbers for parameter initialisation: mulberry32 (uniform; `@deepsc/random`'s,
 * re-exported) and Box-Muller (normal). Each parameter draws from its own stream, seeded from
 * the builder's seed and the parameter's name, so adding a parameter never changes another
 * one's initial values.
 * @module
 */
import type { Uniform } from '@deepsc/random';

export { mulberry32, type Uniform } from '@deepsc/random';

/** FNV-1a hash of `name` mixed with `seed`: the per-parameter stream seed. */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A standard normal generator (Box-Muller over `uniform`). */
export function normalFrom(uniform: Uniform): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
