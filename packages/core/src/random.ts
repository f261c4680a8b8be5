/**
 * Seeded random numbers for parameter initialisation: mulberry32 (uniform) and Box-Muller
 * (normal). Each parameter draws from its own stream, seeded from the builder's seed and the
 * parameter's name, so adding a parameter never changes another one's initial values.
 * @module
 */

/** A generator of uniform numbers in [0, 1). */
export type Uniform = () => number;

/** mulberry32: a small, fast 32-bit generator; `seed` is any integer. */
export function mulberry32(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
