/**
 * Layers of DeepSC-COVID on the graph builder, with PyTorch's parameter names and layouts
 * (`<name>.weight` `[K, C, kD, kH, kW]`, `<name>.bias` `[K]`, GroupNorm `weight`/`bias` `[C]`,
 * Linear `[out, in]`), so a PyTorch twin's state dict loads unchanged.
 *
 * Weighted sums use `add`, `mul_scalar` and `scale` (learnable scalars), Linear `linear`, global
 * average pooling `avg_pool3d` over the whole volume. Separable resampling is a 1x1x1 `conv3d`
 * whose channels are the resampled axis, so the resampling matrices can be graph inputs (the
 * patch's place in the whole scan changes every step without recompiling).
 * @module
 */
import {
  constant,
  type GraphBuilder,
  type GraphValue,
  type Initializer,
  ones,
  pytorchDefaultBias,
  pytorchDefaultWeight,
  zeros,
} from '@deepsc/core';
import type { Size3 } from './strides.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// Parameters declared so far per graph (keyed by the graph's shared value list), so a
// subnet built twice (the lesion U-Net on both streams) shares its weights by name.
const declared = new WeakMap<readonly GraphValue[], Map<string, GraphValue>>();

/**
 * The parameter `prefix + name`: declared on first use, the same value afterwards (weight
 * sharing between streams).
 * @throws TypeError when a later use asks for another shape.
 */
export function param(
  g: GraphBuilder,
  name: string,
  shape: readonly number[],
  init: Initializer,
): GraphValue {
  let known = declared.get(g.values);
  if (!known) {
    known = new Map();
    declared.set(g.values, known);
  }
  const full = g.prefix + name;
  const have = known.get(full);
  if (have) {
    if (have.shape.length !== shape.length || have.shape.some((d, i) => d !== shape[i]))
      throw new TypeError(
        `parameter '${full}' is shared with shape [${have.shape.join(', ')}], not [${shape.join(', ')}]`,
      );
    return have;
  }
  const v = g.parameter(name, shape, init);
  known.set(full, v);
  return v;
}

/** Options of {@link conv3d}. */
export interface ConvOptions {
  /** Cubic kernel size; default 3. */
  kernel?: number;
  /** Stride per axis; default 1. */
  stride?: Size3 | number;
  /** Dilation; default 1 (padding is `dilation * (kernel - 1) / 2`, "same"). */
  dilation?: number;
  /** Learn a bias; default false (the layers followed by GroupNorm need none). */
  bias?: boolean;
}

/** `<name>`: a 3D convolution with "same" padding, parameters `<name>.weight` (and `.bias`). */
export function conv3d(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  cout: number,
  o: ConvOptions = {},
): GraphValue {
  const k = o.kernel ?? 3;
  const dilation = o.dilation ?? 1;
  const cin = x.shape[1] as number;
  const s = g.scoped(name);
  const wShape = [cout, cin, k, k, k] as const;
  const w = param(s, 'weight', wShape, pytorchDefaultWeight());
  const b = o.bias ? param(s, 'bias', [cout], pytorchDefaultBias(wShape)) : null;
  const stride = o.stride ?? 1;
  return g.op(
    'conv3d',
    {
      stride: typeof stride === 'number' ? stride : ([...stride] as [number, number, number]),
      padding: (dilation * (k - 1)) / 2,
      dilation,
    },
    [x, w, b],
  )[0] as GraphValue;
}

/** `<name>`: transposed convolution with kernel = stride (exact upsampling by the stride), with bias. */
export function upConv3d(
  g: GraphBuilder,
  name: string,
  x: GraphValue,
  cout: number,
  stride: Size3,
): GraphValue {
  const cin = x.shape[1] as number;
  const s = g.scoped(name);
  const wShape = [cin, cout, stride[0], stride[1], stride[2]] as const;
  const w = param(s, 'weight', wShape, pytorchDefaultWeight());
  // As PyTorch's ConvTranspose3d: fan-in from weight.size(1) * kernel volume.
  const b = param(s, 'bias', [cout], pytorchDefaultBias(wShape));
  return g.op('conv_transpose3d', { stride: [...stride] as [number, number, number] }, [
    x,
    w,
    b,
  ])[0] as GraphValue;
}

/** `<name>`: GroupNorm with affine `weight` (ones) and `bias` (zeros). */
export function groupNorm(g: GraphBuilder, name: string, x: GraphValue, groups: number): GraphValue {
  const c = x.shape[1] as number;
  const s = g.scoped(name);
  return g.groupNorm(x, param(s, 'weight', [c], ones()), param(s, 'bias', [c], zeros()), { groups });
}

/** Reshape to `shape`. */
export function reshape(g: GraphBuilder, x: GraphValue, shape: readonly number[]): GraphValue {
  return g.op('reshape', { shape: [...shape] }, [x])[0] as GraphValue;
}

/** Channels `[start, start + length)` of `[N, C, ...]`. */
export function channels(g: GraphBuilder, x: GraphValue, start: number, length: number): GraphValue {
  return g.op('slice', { axis: 1, start, length }, [x])[0] as GraphValue;
}

/** Concatenation along the channel axis. */
export function concat(g: GraphBuilder, xs: readonly GraphValue[]): GraphValue {
  return g.op('concat', { axis: 1 }, xs)[0] as GraphValue;
}

/**
 * `sum_t c_t x_t` for tensors of one shape; each coefficient is a number (fixed: `mul_scalar`,
 * skipped for 1) or a one-element graph value (a learnable scalar: `scale`, gradient included).
 * The terms are added in order (`add`).
 */
export function weightedSum(
  g: GraphBuilder,
  terms: readonly (readonly [GraphValue, number | GraphValue])[],
): GraphValue {
  const first = terms[0];
  if (!first) throw new TypeError('weightedSum: no terms');
  const shape = first[0].shape;
  let acc: GraphValue | null = null;
  for (const [x, c] of terms) {
    if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i]))
      throw new TypeError(`weightedSum: shapes differ ([${x.shape.join(', ')}] vs [${shape.join(', ')}])`);
    const term =
      typeof c === 'number'
        ? c === 1
          ? x
          : (g.op('mul_scalar', { value: c }, [x])[0] as GraphValue)
        : (g.op('scale', {}, [x, c])[0] as GraphValue);
    acc = acc ? (g.op('add', {}, [acc, term])[0] as GraphValue) : term;
  }
  return acc as GraphValue;
}

/** `<name>`: PyTorch's Linear, `x [N, F]` to `[N, out]`, parameters `weight [out, F]` and `bias [out]`. */
export function linear(g: GraphBuilder, name: string, x: GraphValue, out: number): GraphValue {
  const f = x.shape[1] as number;
  const s = g.scoped(name);
  const w = param(s, 'weight', [out, f], pytorchDefaultWeight());
  const b = param(s, 'bias', [out], pytorchDefaultBias([out, f]));
  return g.op('linear', {}, [x, w, b])[0] as GraphValue;
}

/** Mean over the spatial axes: `[N, C, D, H, W]` to `[N, C]` (an average pool over the whole volume). */
export function globalAvgPool(g: GraphBuilder, x: GraphValue): GraphValue {
  const [n, c, d, h, w] = x.shape as [number, number, number, number, number];
  const y = g.op('avg_pool3d', { kernel: [d, h, w] }, [x])[0] as GraphValue;
  return reshape(g, y, [n, c]);
}

/**
 * Applies `m [out, in]` along spatial axis `axis` (0 = D, 1 = H, 2 = W) of `x [N, C, D, H, W]`:
 * `y[..., e, ...] = sum_i m[e, i] x[..., i, ...]`. `m` may be an input (no gradient) or a constant.
 */
export function alongAxis(g: GraphBuilder, x: GraphValue, m: GraphValue, axis: number): GraphValue {
  const s = x.shape as number[];
  const [out, inn] = m.shape as [number, number];
  if (s[2 + axis] !== inn)
    throw new TypeError(
      `alongAxis: matrix [${out}, ${inn}] does not match axis ${axis} of [${s.join(', ')}]`,
    );
  const before = prod(s.slice(0, 2 + axis));
  const after = s.slice(3 + axis);
  while (after.length < 3) after.push(1);
  const y = g.op('conv3d', {}, [
    reshape(g, x, [before, inn, ...after]),
    reshape(g, m, [out, inn, 1, 1, 1]),
    null,
  ])[0] as GraphValue;
  const shape = [...s];
  shape[2 + axis] = out;
  return reshape(g, y, shape);
}

/**
 * `[out, in]` matrix of linear interpolation (PyTorch's align_corners=false, edge-clamped) of
 * the span `[lo, hi)` of an `in`-cell axis onto `out` cells. With lo = 0, hi = in it is
 * exactly `F.interpolate(..., mode='trilinear', align_corners=False)` along one axis.
 */
export function resampleMatrix(out: number, inn: number, lo: number, hi: number): Float64Array {
  const m = new Float64Array(out * inn);
  const scale = (hi - lo) / out;
  for (let i = 0; i < out; i++) {
    let c = lo + (i + 0.5) * scale - 0.5;
    c = Math.min(Math.max(c, 0), inn - 1);
    const i0 = Math.floor(c);
    const i1 = Math.min(i0 + 1, inn - 1);
    const t = c - i0;
    m[i * inn + i0] = (m[i * inn + i0] as number) + (1 - t);
    m[i * inn + i1] = (m[i * inn + i1] as number) + t;
  }
  return m;
}

/** Trilinear resize (align_corners=false) of `[N, C, D, H, W]` to `size`, as fixed separable matrices. */
export function resizeTrilinear(g: GraphBuilder, x: GraphValue, size: Size3): GraphValue {
  let y = x;
  for (let a = 0; a < 3; a++) {
    const inn = y.shape[2 + a] as number;
    const out = size[a] as number;
    if (inn === out) continue;
    const m = g.constant(`resize_${g.values.length}`, Float32Array.from(resampleMatrix(out, inn, 0, inn)), [
      out,
      inn,
    ]);
    y = alongAxis(g, y, m, a);
  }
  return y;
}

/** A one-element learnable scalar parameter `<name>` `[1]` initialised to `value`. */
export function scalar(g: GraphBuilder, name: string, value: number): GraphValue {
  return param(g, name, [1], constant(value));
}
