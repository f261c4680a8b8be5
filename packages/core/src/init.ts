/**
 * Parameter initialisers, matching PyTorch's formulas (not its random streams): fans are
 * computed as `torch.nn.init._calculate_fan_in_and_fan_out` does for weights of layout
 * `[out, in, ...kernel]` (conv `[K, C/groups, kD, kH, kW]`, linear `[out, in]`).
 * @module
 */
import { mulberry32, normalFrom, streamSeed } from './random.js';

/**
 * How a parameter (or state) starts.
 * - `zeros`, `ones`, `constant` (`value`).
 * - `uniform`: U(-bound, bound).
 * - `normal`: N(0, std^2).
 * - `kaiming_uniform`: U(-b, b) with b = gain * sqrt(3 / fan), gain = sqrt(2 / (1 + a^2)).
 *   PyTorch's default for Conv3d/Linear weights is `{ kind: 'kaiming_uniform', a: Math.sqrt(5) }`
 *   (b = 1 / sqrt(fan_in)); see {@link pytorchDefaultWeight}.
 * - `kaiming_normal`: N(0, (gain / sqrt(fan))^2), gain = sqrt(2 / (1 + a^2)) (He et al. 2015).
 * `a` (default 0, the ReLU case) is the negative slope; `mode` (default `fan_in`) picks the fan.
 */
export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number }
  | { kind: 'kaiming_uniform'; a?: number; mode?: 'fan_in' | 'fan_out' }
  | { kind: 'kaiming_normal'; a?: number; mode?: 'fan_in' | 'fan_out' };

/** Zeros. */
export const zeros = (): Initializer => ({ kind: 'zeros' });
/** Ones. */
export const ones = (): Initializer => ({ kind: 'ones' });
/** Every element `value`. */
export const constant = (value: number): Initializer => ({ kind: 'constant', value });
/** He/Kaiming normal (default: fan_in, a = 0: std = sqrt(2 / fan_in)). */
export const kaimingNormal = (opts: { a?: number; mode?: 'fan_in' | 'fan_out' } = {}): Initializer => ({
  kind: 'kaiming_normal',
  ...opts,
});
/** He/Kaiming uniform (default: fan_in, a = 0: bound = sqrt(6 / fan_in)). */
export const kaimingUniform = (opts: { a?: number; mode?: 'fan_in' | 'fan_out' } = {}): Initializer => ({
  kind: 'kaiming_uniform',
  ...opts,
});
/** PyTorch's default for `nn.Conv3d`, `nn.ConvTranspose3d` and `nn.Linear` weights: kaiming_uniform with a = sqrt(5). */
export const pytorchDefaultWeight = (): Initializer => ({ kind: 'kaiming_uniform', a: Math.sqrt(5) });
/**
 * PyTorch's default for a conv or linear bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where fan_in
 * is that of the layer's weight (`weightShape`).
 */
export function pytorchDefaultBias(weightShape: readonly number[]): Initializer {
  const { fanIn } = fans(weightShape);
  return { kind: 'uniform', bound: fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0 };
}

/**
 * fan_in and fan_out of a weight of layout `[out, in, ...kernel]`, as PyTorch computes them.
 * @throws RangeError for rank < 2 (PyTorch's rule: fans need at least two dimensions).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new RangeError(
      `fans: a weight needs at least 2 dimensions [out, in, ...], got shape [${shape.join(', ')}]`,
    );
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] as number) * receptive, fanOut: (shape[0] as number) * receptive };
}

/**
 * Fills a new Float32Array for a parameter of `shape` named `name`, drawing from the stream
 * `(seed, name)`.
 * @throws RangeError when a Kaiming initialiser is given a shape of rank < 2, or a bound/std is negative.
 */
export function initialize(
  init: Initializer,
  shape: readonly number[],
  seed: number,
  name: string,
): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const uniform = mulberry32(streamSeed(seed, name));
  const fillUniform = (bound: number) => {
    if (!(bound >= 0)) throw new RangeError(`init of '${name}': bound must be >= 0, got ${bound}`);
    for (let i = 0; i < n; i++) out[i] = (2 * uniform() - 1) * bound;
  };
  const fillNormal = (std: number) => {
    if (!(std >= 0)) throw new RangeError(`init of '${name}': std must be >= 0, got ${std}`);
    const normal = normalFrom(uniform);
    for (let i = 0; i < n; i++) out[i] = normal() * std;
  };
  const kaimingStd = (a: number | undefined, mode: 'fan_in' | 'fan_out' | undefined) => {
    const { fanIn, fanOut } = fans(shape);
    const fan = mode === 'fan_out' ? fanOut : fanIn;
    const gain = Math.sqrt(2 / (1 + (a ?? 0) ** 2));
    return fan > 0 ? gain / Math.sqrt(fan) : 0;
  };
  switch (init.kind) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'constant':
      out.fill(init.value);
      break;
    case 'uniform':
      fillUniform(init.bound);
      break;
    case 'normal':
      fillNormal(init.std);
      break;
    case 'kaiming_uniform':
      fillUniform(Math.sqrt(3) * kaimingStd(init.a, init.mode));
      break;
    case 'kaiming_normal':
      fillNormal(kaimingStd(init.a, init.mode));
      break;
    default:
      throw new TypeError(`init of '${name}': unknown initialiser ${JSON.stringify(init)}`);
  }
  return out;
}
