/**
 * The seeded random number generator every step of `@deepsc/io` uses (augmentation, patch
 * sampling, splits, the synthetic cohort), so that the same seed gives the same output on every
 * run and in every worker thread.
 *
 * The core is xoshiro128** (Blackman and Vigna, 2018) on 32-bit integers, seeded through
 * splitmix32; only integer arithmetic (`Math.imul`) touches the state, so streams are identical
 * on every platform. Distributions built on it use `Math.log`/`Math.cos`, which are
 * deterministic for one Node.js build.
 * @module
 */

/** A seed: a non-negative integer or any string (hashed). */
export type Seed = number | string;

function hashString(s: string): number {
  // FNV-1a, then avalanched by splitmix32 in the constructor
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function seedToUint32(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`random: the seed must be a non-negative safe integer or a string, got ${seed}`);
  }
  // fold the high bits in so that seeds above 2^32 still differ
  return ((seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b1)) >>> 0;
}

/**
 * A seeded random stream. Not cryptographic.
 *
 * @example
 * const rng = new Rng(42);
 * rng.uniform(0, 1); rng.normal(0, 1); rng.fork('scan-3').int(0, 10);
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;
  /** The seed this stream was made from. */
  readonly seed: Seed;

  /**
   * @param seed - a non-negative safe integer or a string.
   * @throws RangeError for a negative, fractional or unsafe numeric seed.
   */
  constructor(seed: Seed) {
    this.seed = seed;
    const st = { s: seedToUint32(seed) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A float uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A float uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * An integer uniform in [lo, hi).
   * @throws RangeError when the range is empty or not integral.
   */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
      throw new RangeError(`random: int(lo, hi) needs integers with lo < hi, got (${lo}, ${hi})`);
    }
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** A normal deviate (Box-Muller, caching the second value). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal deviate whose median is `median` and whose log has standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  /** A gamma deviate with shape `k` > 0 and scale 1 (Marsaglia and Tsang, 2000). */
  gamma(k: number): number {
    if (!(k > 0)) throw new RangeError(`random: gamma shape must be > 0, got ${k}`);
    if (k < 1) return this.gamma(k + 1) * this.next() ** (1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** A beta deviate with shapes `a`, `b` > 0. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** A Poisson deviate with mean `lambda` >= 0 (Knuth's method; fine for lambda below ~30). */
  poisson(lambda: number): number {
    if (!(lambda >= 0)) throw new RangeError(`random: poisson mean must be >= 0, got ${lambda}`);
    const l = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > l) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /**
   * An index drawn with probability proportional to `weights`.
   * @throws RangeError when no weight is positive.
   */
  choiceIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += Math.max(0, w);
    if (!(total > 0))
      throw new RangeError(`random: choiceIndex needs a positive weight, got [${weights.join(', ')}]`);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= Math.max(0, weights[i] as number);
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /**
   * An independent stream derived from this stream's seed and `key`, without consuming this
   * stream: `rng.fork('scan-7')` is the same whatever was drawn from `rng` before.
   */
  fork(key: Seed): Rng {
    return new Rng(`${String(this.seed)}/${String(key)}`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** An {@link Rng} drawing from a caller's uniform source (see {@link rngFromSource}). */
class SourceRng extends Rng {
  constructor(private readonly source: { next(): number }) {
    super(0);
  }
  override nextUint32(): number {
    return Math.floor(this.source.next() * 4294967296) >>> 0;
  }
  override next(): number {
    return this.source.next();
  }
  override fork(key: Seed): Rng {
    throw new TypeError(
      `random: an Rng over a caller's source has no seed to fork '${String(key)}' from; fork the source's own stream instead`,
    );
  }
}

/**
 * An `Rng` whose every draw comes from `source`'s uniform `next()` in [0, 1) (a model's
 * `RandomSource`, e.g. the trainer's per-step stream), so io's samplers (`PatchSampler`,
 * augmentation) draw from a stream the caller owns: `int`, `uniform`, `shuffle`, `normal`, ...
 * all read `source.next()`. `fork` is refused: such an Rng has no seed of its own.
 */
export function rngFromSource(source: { next(): number }): Rng {
  return source instanceof Rng ? source : new SourceRng(source);
}
