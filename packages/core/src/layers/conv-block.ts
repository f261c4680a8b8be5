/**
 * The conv block: a 3D convolution with "same" padding, a normalisation and an activation, the
 * unit most 3D segmentation networks are built from (nnU-Net's `ConvDropoutNormReLU` without
 * dropout). Parameters follow PyTorch's module paths: `<name>.conv.weight` `[K, C, k, k, k]`,
 * `<name>.conv.bias` `[K]`, `<name>.norm.weight` / `.bias` `[K]`.
 * @module
 */
import type { GraphBuilder } from '../builder.js';
import type { GraphValue } from '../graph-value.js';
import { type Initializer, ones, pytorchDefaultBias, pytorchDefaultWeight, zeros } from '../init.js';
import type { Shape5 } from '../tensor.js';
import { type Size3, size3 } from './size3.js';

/**
 * `instance`: instance norm with affine weight (ones) and bias (zeros); `group`: group norm
 * (`groups` groups), affine; `none`.
 */
export type NormKind = 'instance' | 'group' | 'none';

/** `leaky_relu` (slope `slope`), `relu` or `none`. */
export type ActivationKind = 'leaky_relu' | 'relu' | 'none';

/** The normalisation and activation of a conv block (shared by every layer built from it). */
export interface NormActivation {
  /** Default `instance`. */
  norm?: NormKind;
  /** Groups of `group` norm; required with it, must divide the output channels. */
  groups?: number;
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Default `leaky_relu`. */
  activation?: ActivationKind;
  /** Negative slope of `leaky_relu`; default 0.01 (nnU-Net's). */
  slope?: number;
}

/** Options of {@link convBlock}. */
export interface ConvBlockOptions extends NormActivation {
  /** Kernel size (odd per axis, so "same" padding is exact); default 3. */
  kernel?: Size3;
  /** Stride; default 1. Output size is ceil(input / stride) per axis. */
  stride?: Size3;
  /** Learn a convolution bias; default true only without a norm (a norm removes it). */
  bias?: boolean;
  /** Weight initialiser (biases then start at zero, as nnU-Net's); default PyTorch's weight and bias. */
  init?: Initializer;
}

/** A 5D value `[N, C, D, H, W]`, or a TypeError naming `what`. */
export function checkRank5(x: GraphValue, what: string): GraphValue<Shape5> {
  if (x.shape.length !== 5)
    throw new TypeError(`${what}: input ${x.label} must be [N, C, D, H, W], got rank ${x.shape.length}`);
  return x as GraphValue<Shape5>;
}

/**
 * `<name>`: convolution (optionally strided), then the norm, then the activation.
 * @returns `[N, out, ceil(D / sD), ceil(H / sH), ceil(W / sW)]`.
 * @throws TypeError for an input that is not 5D, an even kernel, or `group` norm without
 *   groups dividing `out`; RangeError for `out` < 1.
 */
export function convBlock(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  out: number,
  options: ConvBlockOptions = {},
): GraphValue<Shape5> {
  const where = `convBlock '${g.prefix}${name}'`;
  const xin = checkRank5(x, where);
  if (!Number.isInteger(out) || out < 1)
    throw new RangeError(`${where}: output channels must be a positive integer, got ${out}`);
  const k = size3(options.kernel ?? 3);
  if (k.some((v) => !Number.isInteger(v) || v < 1 || v % 2 === 0))
    throw new TypeError(`${where}: kernel [${k.join(', ')}] must be odd positive integers ("same" padding)`);
  const norm = options.norm ?? 'instance';
  const s = g.scoped(name);
  const cin = xin.shape[1];
  const wShape = [out, cin, k[0], k[1], k[2]] as const;
  const w = s.scoped('conv').parameter('weight', wShape, options.init ?? pytorchDefaultWeight());
  const b =
    (options.bias ?? norm === 'none')
      ? s.scoped('conv').parameter('bias', [out], options.init ? zeros() : pytorchDefaultBias(wShape))
      : null;
  const stride = size3(options.stride ?? 1);
  const padding = k.map((v) => (v - 1) / 2) as [number, number, number];
  const y = s.conv3d(xin, w, b, { stride, padding }, 'conv');
  return normAndActivate(s, y, options, where);
}

/**
 * The norm then the activation of `options` on `y` (`s` is the layer's scoped builder: the
 * norm's parameters are `norm.weight` / `norm.bias`, the nodes `norm`, `act`).
 */
export function normAndActivate(
  s: GraphBuilder,
  y: GraphValue<Shape5>,
  options: NormActivation,
  where: string,
  activate = true,
): GraphValue<Shape5> {
  const norm = options.norm ?? 'instance';
  const c = y.shape[1];
  let z = y;
  if (norm === 'instance' || norm === 'group') {
    const n = s.scoped('norm');
    const gamma = n.parameter('weight', [c], ones());
    const beta = n.parameter('bias', [c], zeros());
    const eps = options.eps ?? 1e-5;
    if (norm === 'instance') z = s.instanceNorm(y, gamma, beta, { eps }, 'norm');
    else {
      const groups = options.groups;
      if (groups === undefined || !Number.isInteger(groups) || groups < 1 || c % groups !== 0)
        throw new TypeError(
          `${where}: group norm needs groups dividing ${c} channels, got ${String(groups)}`,
        );
      z = s.groupNorm(y, gamma, beta, { groups, eps }, 'norm');
    }
  } else if (norm !== 'none')
    throw new TypeError(`${where}: norm '${String(norm)}' must be instance, group or none`);
  if (!activate) return z;
  const act = options.activation ?? 'leaky_relu';
  if (act === 'leaky_relu') return s.leakyRelu(z, { slope: options.slope ?? 0.01 }, 'act');
  if (act === 'relu') return s.relu(z, 'act');
  if (act === 'none') return z;
  throw new TypeError(`${where}: activation '${String(act)}' must be leaky_relu, relu or none`);
}
