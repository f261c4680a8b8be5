/**
 * The sliding-window inferer: runs any network that maps one window `[1, C, d, h, w]` to
 * per-voxel outputs `[1, K, d, h, w]` over an image of any size (MONAI's
 * `SlidingWindowInferer`, nnU-Net's `predict_sliding_window_return_logits`). Windows are placed
 * with `overlap` (`windowGrid`), run `windowBatch` at a time (one by default; a batch is one
 * network call on `[B, C, d, h, w]`), and blended, in window order whatever the batch, with Gaussian importance weights
 * (`gaussianWeights`: sigma = window / 8, so a voxel is mostly predicted by the windows it lies
 * near the centre of) or uniformly; an image smaller than the window on an axis is padded
 * (centred, with `padValue`) and the result cropped back.
 *
 * Memory: one batch of windows' input and outputs at a time, plus sums of the outputs and of the weights
 * over the padded image (8 (K + 1) bytes per voxel in float64, 4 (K + 1) in float32), whatever
 * the number of windows. The sums are float64 by default so that a network that returns its
 * input gives back the image exactly; `sums: 'float32'` rounds them after every add.
 * @module
 */
import type { CompiledModel } from './model.js';
import type { GridSize } from './model-spec.js';
import { gaussianWeights, windowGrid } from './sliding-window.js';
import { Tensor } from './tensor.js';

/** A channels-first volume: `data` `[C, D, H, W]` row-major (W fastest). */
export interface ChannelVolume {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** Where a window lies: its number, the total, and its first voxel `[d, h, w]` in the image. */
export interface WindowPlace {
  /** 0-based, in the order the windows run (`d` slowest). */
  readonly index: number;
  readonly total: number;
  /** The window's first voxel in the image's own coordinates (negative where it lies in the padding). */
  readonly start: GridSize;
}

/**
 * A window's per-voxel output `[1, K, d, h, w]`: a tensor (the network's output), or values the
 * forward computed on the host, in float64 when it wants them blended unrounded (a probability
 * computed from the logits, say).
 */
export type WindowOutput =
  | Tensor
  | { readonly data: Float32Array | Float64Array; readonly shape: readonly number[] };

/**
 * One batch's forward: `windows` `[n, C, d, h, w]` in (n = `places.length`, 1 unless the
 * inferer's `windowBatch` is larger; the last batch may hold fewer), per-voxel outputs
 * `[n, K, d, h, w]` by name out, window j's at `[j]`. The inferer owns both: it disposes the
 * windows after the call and the output tensors after blending them. `place` is the first
 * window's place and `places` every window's, for networks that need more than the voxels (a
 * second input computed from the window's position, per-window outputs kept aside).
 */
export type WindowForward = (
  windows: Tensor,
  place: WindowPlace,
  places: readonly WindowPlace[],
) => Promise<Readonly<Record<string, WindowOutput>>>;

/** Options of {@link slidingWindowInference}. */
export interface SlidingWindowOptions {
  /** Window size `[d, h, w]` (the network's patch size). */
  window: GridSize;
  /** Overlap of neighbouring windows, in [0, 1); default 0.5 (nnU-Net's and MONAI's). */
  overlap?: number;
  /** `gaussian` (default) or `constant` (every voxel of a window weighs the same). */
  blending?: 'gaussian' | 'constant';
  /** Value of the padding where the image is smaller than the window; default 0. */
  padValue?: number;
  /**
   * Precision of the blended sums: `float64` (default) or `float32` (each window's weighted
   * output is added in float64 and the sum rounded to float32, as is the sum of the weights;
   * half the memory).
   */
  sums?: 'float64' | 'float32';
  /**
   * Windows per forward call, >= 1; default 1. The windows are blended in the same order and
   * with the same float operations whatever the batch, so a forward whose window outputs do not
   * depend on their batch-mates (the engine's CPU kernels) gives bitwise the result of 1.
   */
  windowBatch?: number;
  /** Called after each window with the windows done and their total. */
  onWindow?: (done: number, total: number) => void;
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

/**
 * Checks an image and window, naming the problem. @throws RangeError.
 */
function check(image: ChannelVolume, o: SlidingWindowOptions): void {
  const s = image.shape as readonly unknown[];
  if (!Array.isArray(s) || s.length !== 4 || !s.every(isCount))
    throw new RangeError(
      `slidingWindowInference: image shape [${String(s)}] must be four positive integers [C, D, H, W]`,
    );
  const n = (s as number[]).reduce((a, b) => a * b, 1);
  if (!(image.data instanceof Float32Array) || image.data.length !== n)
    throw new RangeError(
      `slidingWindowInference: image data (${image.data?.length} values) does not fill [${s.join(', ')}] (${n} float32 values)`,
    );
  const w = o.window as readonly unknown[];
  if (!Array.isArray(w) || w.length !== 3 || !w.every(isCount))
    throw new RangeError(
      `slidingWindowInference: window [${String(w)}] must be three positive integers [d, h, w]`,
    );
  const overlap = o.overlap ?? 0.5;
  if (!(overlap >= 0 && overlap < 1))
    throw new RangeError(`slidingWindowInference: overlap ${overlap} must be in [0, 1)`);
  const blending = o.blending ?? 'gaussian';
  if (blending !== 'gaussian' && blending !== 'constant')
    throw new RangeError(
      `slidingWindowInference: blending '${String(blending)}' must be gaussian or constant`,
    );
  if (!Number.isFinite(o.padValue ?? 0))
    throw new RangeError(`slidingWindowInference: padValue ${o.padValue} must be finite`);
  const sums = o.sums ?? 'float64';
  if (sums !== 'float64' && sums !== 'float32')
    throw new RangeError(`slidingWindowInference: sums '${String(sums)}' must be float64 or float32`);
  if (o.windowBatch !== undefined && !isCount(o.windowBatch))
    throw new RangeError(
      `slidingWindowInference: windowBatch ${String(o.windowBatch)} must be a positive integer`,
    );
}

/** Copies the `[C, ...size]` box at `start` of `src` `[C, ...shape]` into `dst`. */
function cut(
  src: Float32Array,
  shape: GridSize,
  c: number,
  start: GridSize,
  size: GridSize,
  dst: Float32Array,
): void {
  const [, H, W] = shape;
  let i = 0;
  for (let ch = 0; ch < c; ch++)
    for (let d = 0; d < size[0]; d++)
      for (let h = 0; h < size[1]; h++) {
        const row = ((ch * shape[0] + start[0] + d) * H + start[1] + h) * W + start[2];
        dst.set(src.subarray(row, row + size[2]), i);
        i += size[2];
      }
}

// The per-voxel loops below are small functions of their own, called once per window: V8
// optimises a function after some calls, and the loops inside the one async function that
// runs once per image were compiled and deoptimised again as it reached each of them (about
// 0.6-1 s of a 48x256x256 image's 3 windows went there, against 0.05 s for the same adds).

/** `src` `[C, ...shape]` centred in `[C, ...padded]` filled with `padValue`. */
function padImage(
  src: Float32Array,
  c: number,
  shape: GridSize,
  padded: GridSize,
  before: GridSize,
  padValue: number,
): Float32Array {
  const out = new Float32Array(c * padded[0] * padded[1] * padded[2]).fill(padValue);
  for (let ch = 0; ch < c; ch++)
    for (let d = 0; d < shape[0]; d++)
      for (let h = 0; h < shape[1]; h++) {
        const from = ((ch * shape[0] + d) * shape[1] + h) * shape[2];
        const to = ((ch * padded[0] + d + before[0]) * padded[1] + h + before[1]) * padded[2] + before[2];
        out.set(src.subarray(from, from + shape[2]), to);
      }
  return out;
}

/**
 * acc[ch] += weights * data[ch] over the window at `start` of `[k, ...padded]`, for each of the
 * window's k channels (`data` from `base`, `[k, ...win]`).
 */
function blendWindow(
  acc: Float32Array | Float64Array,
  data: Float32Array | Float64Array,
  base: number,
  weights: Float32Array,
  k: number,
  padded: GridSize,
  start: GridSize,
  win: GridSize,
): void {
  const [, PH, PW] = padded;
  const wv = weights.length;
  for (let ch = 0; ch < k; ch++) {
    let i = 0;
    const from = base + ch * wv;
    for (let d = 0; d < win[0]; d++)
      for (let h = 0; h < win[1]; h++) {
        const row = ((ch * padded[0] + start[0] + d) * PH + start[1] + h) * PW + start[2];
        for (let w = 0; w < win[2]; w++, i++)
          acc[row + w] = (acc[row + w] as number) + (weights[i] as number) * (data[from + i] as number);
      }
  }
}

/** wsum += weights over the window at `start` of `padded`. */
function addWeights(
  wsum: Float32Array | Float64Array,
  weights: Float32Array,
  padded: GridSize,
  start: GridSize,
  win: GridSize,
): void {
  const [, PH, PW] = padded;
  let i = 0;
  for (let d = 0; d < win[0]; d++)
    for (let h = 0; h < win[1]; h++) {
      const row = ((start[0] + d) * PH + start[1] + h) * PW + start[2];
      for (let w = 0; w < win[2]; w++, i++)
        wsum[row + w] = (wsum[row + w] as number) + (weights[i] as number);
    }
}

/** The blended `[k, ...shape]` volume: acc / wsum over the image's box of the padded grid. */
function normalise(
  acc: Float32Array | Float64Array,
  wsum: Float32Array | Float64Array,
  k: number,
  shape: GridSize,
  padded: GridSize,
  before: GridSize,
): Float32Array {
  const [, PH, PW] = padded;
  const pv = padded[0] * PH * PW;
  const out = new Float32Array(k * shape[0] * shape[1] * shape[2]);
  let o = 0;
  for (let ch = 0; ch < k; ch++)
    for (let d = 0; d < shape[0]; d++)
      for (let h = 0; h < shape[1]; h++) {
        const row = ((d + before[0]) * PH + h + before[1]) * PW + before[2];
        for (let w = 0; w < shape[2]; w++, o++)
          out[o] = (acc[ch * pv + row + w] as number) / (wsum[row + w] as number);
      }
  return out;
}

/** Gaussian weights of the last few window sizes (read only: shared between calls). */
const gaussianCache = new Map<string, Float32Array>();

function cachedGaussianWeights(win: GridSize): Float32Array {
  const key = win.join('x');
  let w = gaussianCache.get(key);
  if (!w) {
    w = gaussianWeights(win);
    if (gaussianCache.size >= 4) gaussianCache.delete(gaussianCache.keys().next().value as string);
    gaussianCache.set(key, w);
  }
  return w;
}

/**
 * Runs `forward` over `image` in windows and blends the results.
 * @returns per output name, the blended `[K, D, H, W]` volume on the image's grid.
 * @throws (rejects) RangeError for a bad image, window or option; TypeError when an output's
 *   shape is not `[n, K, ...window]` (n the windows of the call), its values do not fill it, or it changes between windows,
 *   naming the output; whatever
 *   `forward` throws. Every tensor it made is disposed either way.
 */
export async function slidingWindowInference(
  forward: WindowForward,
  image: ChannelVolume,
  options: SlidingWindowOptions,
): Promise<Record<string, ChannelVolume>> {
  check(image, options);
  const [C, ...size] = image.shape;
  const shape = size as unknown as GridSize;
  const win = [...options.window] as unknown as GridSize;
  const padded = shape.map((s, a) => Math.max(s, win[a] as number)) as unknown as GridSize;
  const before = padded.map((p, a) => Math.floor((p - (shape[a] as number)) / 2)) as unknown as GridSize;
  const needsPad = padded.some((p, a) => p !== shape[a]);
  const src = needsPad ? padImage(image.data, C, shape, padded, before, options.padValue ?? 0) : image.data;
  const starts = windowGrid(padded, win, options.overlap ?? 0.5);
  const weights =
    (options.blending ?? 'gaussian') === 'gaussian'
      ? cachedGaussianWeights(win)
      : new Float32Array(win[0] * win[1] * win[2]).fill(1);
  const wv = weights.length;
  const pv = padded[0] * padded[1] * padded[2];
  const Sum = (options.sums ?? 'float64') === 'float32' ? Float32Array : Float64Array;
  const wsum = new Sum(pv);
  const sums = new Map<string, { k: number; acc: Float32Array | Float64Array }>();
  const B = options.windowBatch ?? 1;
  const total = starts.length;
  for (let b0 = 0; b0 < total; b0 += B) {
    const batch = starts.slice(b0, b0 + B);
    const n = batch.length;
    const cv = C * wv;
    const x = Tensor.zeros([n, C, ...win]);
    for (const [j, start] of batch.entries())
      cut(src, padded, C, start, win, x.data.subarray(j * cv, (j + 1) * cv));
    const places = batch.map((start, j) => ({
      index: b0 + j,
      total,
      start: start.map((v, a) => v - (before[a] as number)) as unknown as GridSize,
    }));
    const at = n === 1 ? `window ${b0 + 1}` : `windows ${b0 + 1}-${b0 + n}`;
    let outs: Readonly<Record<string, WindowOutput>> = {};
    try {
      outs = await forward(x, places[0] as WindowPlace, places);
    } finally {
      x.dispose();
    }
    try {
      for (const [name, t] of Object.entries(outs)) {
        const [m, k, ...sp] = t.shape;
        if (t.shape.length !== 5 || m !== n || sp.some((v, a) => v !== win[a]))
          throw new TypeError(
            `slidingWindowInference: output '${name}' is [${t.shape.join(', ')}], expected [${n}, K, ${win.join(', ')}] (per-voxel, the window's size, one per window of the call)`,
          );
        if (t.data.length !== n * (k as number) * wv)
          throw new TypeError(
            `slidingWindowInference: output '${name}' has ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${n * (k as number) * wv}`,
          );
        let s = sums.get(name);
        if (!s) {
          if (b0 > 0)
            throw new TypeError(`slidingWindowInference: output '${name}' appeared at ${at}, not the first`);
          s = { k: k as number, acc: new Sum((k as number) * pv) };
          sums.set(name, s);
        } else if (s.k !== k)
          throw new TypeError(
            `slidingWindowInference: output '${name}' has ${k} channels at ${at}, ${s.k} before`,
          );
      }
      if (sums.size !== Object.keys(outs).length || [...sums.keys()].some((n) => !(n in outs)))
        throw new TypeError(
          `slidingWindowInference: ${at} gave outputs [${Object.keys(outs).join(', ')}], the first gave [${[...sums.keys()].join(', ')}]`,
        );
      // window by window in window order: the same adds as one window per call
      for (const [j, start] of batch.entries()) {
        for (const [name, t] of Object.entries(outs)) {
          const s = sums.get(name) as { k: number; acc: Float32Array | Float64Array };
          blendWindow(s.acc, t.data, j * s.k * wv, weights, s.k, padded, start, win);
        }
        addWeights(wsum, weights, padded, start, win);
        options.onWindow?.(b0 + j + 1, total);
      }
    } finally {
      for (const t of Object.values(outs)) if (t instanceof Tensor) t.dispose();
    }
  }
  const result: Record<string, ChannelVolume> = {};
  for (const [name, { k, acc }] of sums)
    result[name] = {
      data: normalise(acc, wsum, k, shape, padded, before),
      shape: [k, shape[0], shape[1], shape[2]],
    };
  return result;
}

/**
 * The {@link WindowForward} of a compiled model: feeds the windows to `input` (default: the
 * model's only input) and returns `outputs` (default: all the model's outputs but `loss`). The
 * model takes as many windows per call as its input's first dimension (give the inferer that
 * `windowBatch`); a call with fewer (the last batch) is padded with zero windows, whose outputs
 * are dropped.
 * @throws TypeError when `input` is not given and the model has several inputs, naming them;
 *   (the forward rejects) TypeError when a call brings more windows than the model takes.
 */
export function modelWindowForward(
  model: CompiledModel,
  options: { input?: string; outputs?: readonly string[] } = {},
): WindowForward {
  const inputs = Object.keys(model.inputs);
  const input = options.input ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (input === undefined)
    throw new TypeError(
      `modelWindowForward: the model has inputs [${inputs.join(', ')}]: name the one the window feeds ('input')`,
    );
  if (!inputs.includes(input))
    throw new TypeError(
      `modelWindowForward: the model has no input '${input}' (it has [${inputs.join(', ')}])`,
    );
  const outputs = options.outputs ?? Object.keys(model.outputs).filter((n) => n !== 'loss');
  const batch = (model.inputs[input] as readonly number[])[0] as number;
  return async (windows) => {
    const n = windows.shape[0] as number;
    if (n === batch) return model.forward({ [input]: windows }, { outputs });
    if (n > batch)
      throw new TypeError(
        `modelWindowForward: ${n} windows in one call, but the model's input '${input}' takes ${batch} (windowBatch must be at most ${batch})`,
      );
    const full = Tensor.zeros([batch, ...windows.shape.slice(1)]);
    let outs: Readonly<Record<string, Tensor>>;
    try {
      full.data.set(windows.data);
      outs = await model.forward({ [input]: full }, { outputs });
    } finally {
      full.dispose();
    }
    const kept: Record<string, WindowOutput> = {};
    for (const [name, t] of Object.entries(outs)) {
      const [, ...rest] = t.shape;
      kept[name] = { data: t.data.slice(0, (t.data.length / batch) * n), shape: [n, ...rest] };
      t.dispose();
    }
    return kept;
  };
}
