/**
 * Typed, eager wrappers over the engine's ops (synchronous, on JS-owned memory, on the CPU or,
 * with `device: 'cuda'`, on the GPU with copies in and out). One
 * attribute interface per op; the op's name is the same everywhere (ops.def, the C++ files,
 * this file and the tests).
 * @module
 */
import { type Attrs, type EagerDevice, loadBinding, type RawTensor } from './binding.js';

/** Attributes of `leaky_relu`. */
export interface LeakyReluAttrs {
  /** Slope for x <= 0 (PyTorch's `negative_slope`); default 0.01. */
  slope?: number;
}

/** Attributes of `group_norm` (PyTorch's `F.group_norm`). */
export interface GroupNormAttrs {
  /** Number of channel groups (consecutive channels); required, must divide C. */
  groups: number;
  /** Added to the variance before the square root; default 1e-5, must be >= 0. */
  eps?: number;
}

/** Attributes of `instance_norm` (PyTorch's `F.instance_norm` with batch statistics). */
export interface InstanceNormAttrs {
  /** Added to the variance before the square root; default 1e-5, must be >= 0. */
  eps?: number;
}

/** `train`: normalise with the batch's statistics and update the running ones; `eval`: use the running ones. */
export type BatchNormMode = 'train' | 'eval';

/** Attributes of `batch_norm` (PyTorch's `F.batch_norm`). */
export interface BatchNormAttrs {
  /** Required; see {@link BatchNormMode}. */
  mode: BatchNormMode;
  /** Weight of the batch statistic in the running-statistics update; default 0.1, in [0, 1]. */
  momentum?: number;
  /** Added to the variance before the square root; default 1e-5, must be >= 0. */
  eps?: number;
}

/** A size per spatial axis `[D, H, W]`, or one number for all three. */
export type PoolSize3 = number | readonly [number, number, number];

/** Attributes of `max_pool3d` (PyTorch's `F.max_pool3d`). */
export interface MaxPool3dAttrs {
  /** Window size; required, each >= 1. */
  kernel: PoolSize3;
  /** Step between windows; default `kernel`, each >= 1. */
  stride?: PoolSize3;
  /** Implicit -infinity padding on both sides; default 0, each in [0, kernel / 2]. */
  padding?: PoolSize3;
  /** Spacing between window taps; default 1, each >= 1. */
  dilation?: PoolSize3;
  /** Round the output size up (a last partial window that starts inside the input or the left padding); default false. */
  ceil_mode?: boolean;
}

/** Attributes of `avg_pool3d` (PyTorch's `F.avg_pool3d`). */
export interface AvgPool3dAttrs {
  /** Window size; required, each >= 1. */
  kernel: PoolSize3;
  /** Step between windows; default `kernel`, each >= 1. */
  stride?: PoolSize3;
  /** Implicit zero padding on both sides; default 0, each in [0, kernel / 2]. */
  padding?: PoolSize3;
  /** Round the output size up, as in `max_pool3d`; default false. */
  ceil_mode?: boolean;
  /** Divide by the window size including padding (true, the default) or by the count of real voxels. */
  count_include_pad?: boolean;
}

/** `trilinear`: PyTorch's `align_corners=false` interpolation; `nearest`: PyTorch's `floor(dst * in / out)`. */
export type ResizeMode = 'trilinear' | 'nearest';

/** Attributes of `resize` (PyTorch's `F.interpolate` with `size`). */
export interface ResizeAttrs {
  /** Required; see {@link ResizeMode}. */
  mode: ResizeMode;
  /** Output spatial size `[D, H, W]`; required, each >= 1. */
  size: readonly [number, number, number];
}

/** A convolution size per spatial axis `[D, H, W]`, or one number for all three. */
export type ConvSize3 = number | readonly [number, number, number];

/** Attributes of `conv3d` (PyTorch's `F.conv3d`). */
export interface Conv3dAttrs {
  /** Step between output positions; default 1, each >= 1. */
  stride?: ConvSize3;
  /** Implicit zero padding on both sides; default 0, each >= 0. */
  padding?: ConvSize3;
  /** Spacing between kernel taps; default 1, each >= 1. */
  dilation?: ConvSize3;
  /** Channel groups; default 1; must divide both C and K. */
  groups?: number;
}

/** Attributes of `conv_transpose3d` (PyTorch's `F.conv_transpose3d`). */
export interface ConvTranspose3dAttrs extends Conv3dAttrs {
  /** Extra size added to one side of the output; default 0, each smaller than the stride or the dilation. */
  output_padding?: ConvSize3;
}

/** Attributes of `crop`. */
export interface CropAttrs {
  /** First voxel of the region, `[d, h, w]`; required, each >= 0. */
  offset: readonly [number, number, number];
  /** Extent of the region, `[d, h, w]`; required, each >= 1, and offset + size within x. */
  size: readonly [number, number, number];
}

/** Attributes of `paste`. */
export interface PasteAttrs {
  /** Where the patch's first voxel lands in base, `[d, h, w]`; required, each >= 0, patch within base. */
  offset: readonly [number, number, number];
}

/** Attributes of `concat`. */
export interface ConcatAttrs {
  /** Axis to join along; default 1 (channels); negative counts from the end. */
  axis?: number;
}

/** Attributes of `slice`. */
export interface SliceAttrs {
  /** Axis to take the range from; required; negative counts from the end. */
  axis: number;
  /** First index; required, >= 0. */
  start: number;
  /** Number of indices; required, >= 0, start + length within the axis. */
  length: number;
}

/** Attributes of `reshape`. */
export interface ReshapeAttrs {
  /** New shape with the same element count; one entry may be -1 (inferred). Required. */
  shape: readonly number[];
}

/** Attributes of `mul_scalar`. */
export interface MulScalarAttrs {
  /** The constant factor; required, finite. */
  value: number;
}

/** Attributes of `cross_entropy`. */
export interface CrossEntropyAttrs {
  /** Weight per class, length C, each >= 0; default all 1 (DeepSC-COVID: `[0.5, 1, 1]` to classify, `[0.1, 1]` to segment). */
  class_weights?: readonly number[];
}

/** Attributes of `focal`. */
export interface FocalAttrs {
  /** Focusing exponent; default 2, >= 0 (0 gives cross-entropy). */
  gamma?: number;
  /** Weight per class, length C, each >= 0; default all 1. */
  class_weights?: readonly number[];
}

/** Attributes of `soft_dice`. */
export interface SoftDiceAttrs {
  /** Added to the numerator and the denominator of each sample's Dice; default 1e-5, > 0. */
  smooth?: number;
}

/** Attributes of every op, by op name. */
export interface OpAttrs {
  /**
   * `conv3d`: x `[N, C, D, H, W]`, w `[K, C/groups, kD, kH, kW]`, b `[K]` or null; output
   * `[N, K, Do, Ho, Wo]`, Do = floor((D + 2 padding - dilation (kD - 1) - 1) / stride) + 1.
   */
  conv3d: Conv3dAttrs;
  /**
   * `conv_transpose3d`: x `[N, C, D, H, W]`, w `[C, K/groups, kD, kH, kW]` (PyTorch's layout),
   * b `[K]` or null; output `[N, K, Do, Ho, Wo]`,
   * Do = (D - 1) stride - 2 padding + dilation (kD - 1) + output_padding + 1.
   */
  conv_transpose3d: ConvTranspose3dAttrs;
  /**
   * `group_norm`: x `[N, C, ...]` (rank 3 to 5), gamma `[C]` and beta `[C]` optional (null);
   * each (sample, group of C / groups channels) is normalised by its mean and biased variance.
   */
  group_norm: GroupNormAttrs;
  /** `instance_norm`: group_norm with one channel per group; inputs x, gamma?, beta?. */
  instance_norm: InstanceNormAttrs;
  /**
   * `batch_norm`: inputs x `[N, C, ...]` (rank 2 to 5), gamma?, beta?, running_mean?, running_var?
   * (each `[C]`). In mode `train` the forward UPDATES running_mean and running_var IN PLACE
   * (unbiased variance, as PyTorch); they have no gradient. Mode `eval` needs them and mutates nothing.
   */
  batch_norm: BatchNormAttrs;
  /** `max_pool3d`: x `[N, C, D, H, W]`; backward routes each gradient to the first maximum of its window. */
  max_pool3d: MaxPool3dAttrs;
  /** `avg_pool3d`: x `[N, C, D, H, W]`. */
  avg_pool3d: AvgPool3dAttrs;
  /** `global_avg_pool`: x `[N, C, ...]` (rank 3 to 5) to the mean over the spatial axes, `[N, C]`. */
  global_avg_pool: Record<string, never>;
  /** `resize`: x `[N, C, D, H, W]` to `[N, C, ...size]`. */
  resize: ResizeAttrs;
  /** `relu`: y = max(x, 0). */
  relu: Record<string, never>;
  /** `leaky_relu`: y = x for x > 0, else slope * x; any shape. */
  leaky_relu: LeakyReluAttrs;
  /** `sigmoid`: y = 1 / (1 + exp(-x)), any shape, overflow-free for large |x|. */
  sigmoid: Record<string, never>;
  /** `softmax` over the channel axis 1 of x `[N, C, ...]` (max-subtracted, so it never overflows). */
  softmax: Record<string, never>;
  /** `log_softmax` over the channel axis 1 of x `[N, C, ...]` (max-subtracted: finite for any finite x). */
  log_softmax: Record<string, never>;
  /** `crop`: x `[N, C, D, H, W]` -> the sub-volume at `offset` of extent `size`. */
  crop: CropAttrs;
  /** `paste`: base `[N, C, D, H, W]`, patch `[N, C, d, h, w]` -> base with the region at `offset` replaced by patch. */
  paste: PasteAttrs;
  /** `concat`: one or more inputs joined along `axis` (PyTorch's `torch.cat`). */
  concat: ConcatAttrs;
  /** `slice`: x[..., start:start+length, ...] along `axis` (PyTorch's `narrow`). */
  slice: SliceAttrs;
  /** `reshape`: the same elements under a new shape (row-major order). */
  reshape: ReshapeAttrs;
  /** `add`: a + b with NumPy broadcasting (PyTorch's `torch.add`); inputs `[a, b]`. */
  add: Record<string, never>;
  /** `mul`: a * b with NumPy broadcasting (PyTorch's `torch.mul`); inputs `[a, b]`. */
  mul: Record<string, never>;
  /** `mul_scalar`: value * x for a constant `value`. */
  mul_scalar: MulScalarAttrs;
  /** `scale`: s * x for a learnable scalar; inputs `[x, s]` with s of shape `[1]`; gradients to both. */
  scale: Record<string, never>;
  /** `linear`: x `[N, F]`, w `[O, F]`, optional b `[O]` -> `[N, O]` (PyTorch's `F.linear`). */
  linear: Record<string, never>;
  /**
   * `cross_entropy`: inputs `[logits [N, C, ...], target [N, ...] (class indices as floats), mask?]` -> `[1]`:
   * sum w[y] m (-log softmax(x)[y]) / sum w[y] m (PyTorch's weighted mean; 0 when nothing counts).
   * Throws RangeError for a target that is not an integer in [0, C) where the mask is not 0.
   */
  cross_entropy: CrossEntropyAttrs;
  /**
   * `focal` (Lin et al., ICCV 2017): inputs as `cross_entropy` -> `[1]`:
   * sum w[y] m (-(1 - p_y)^gamma log p_y) / sum w[y] m.
   */
  focal: FocalAttrs;
  /**
   * `soft_dice`: inputs `[p [N, C, ...], target (same shape), mask? (same shape or [N, 1, ...])]` -> `[1]`:
   * 1 - mean_n (2 sum p t m + smooth) / (sum p m + sum t m + smooth) (the lung-masked Dice of DeepSC-COVID).
   */
  soft_dice: SoftDiceAttrs;
  /** `mse`: inputs `[a, b, weight?]` (same shapes) -> `[1]`: sum w (a - b)^2 / sum w, or the mean without w. */
  mse: Record<string, never>;
}

/** Name of a built-in op. */
export type OpName = keyof OpAttrs;

/**
 * The name of an op loaded from a plugin (`loadOpLibrary`): any name but a built-in op's. The
 * eager calls and the graph builder take built-in ops with their typed attributes and plugin
 * ops with plain {@link Attrs}, which the engine checks against what the plugin declares; a
 * built-in op with wrong attributes is still a type error.
 */
export type PluginOpName<P extends string> = P extends OpName ? never : P;

/** The device option of the eager calls ({@link forward}, {@link backward}, `timeOp`). */
export interface DeviceCallOptions {
  /**
   * Where the op runs; default `'cpu'`. `'cuda'` copies the inputs (and outputs, output
   * gradients) to device 0, runs the op's CUDA kernel and copies the results back into new
   * arrays (training keeps tensors on the device through the graph executor instead). It
   * throws Error "no CUDA device" when no GPU is visible or the addon has no CUDA backend, and
   * Error naming the op when it has no CUDA kernel (see `cudaOps`). Any other value is a
   * TypeError (not a string) or RangeError (another string) naming `device`.
   */
  device?: EagerDevice;
}

/** Options of {@link forward}. */
export interface ForwardCallOptions extends DeviceCallOptions {
  /**
   * Caller-owned arrays to write the outputs into (one per output, `null` for a fresh one),
   * e.g. arrays reused across calls: the kernel overwrites every element, so nothing is
   * allocated, zero-filled or faulted in. Each must have its output's shape and share no
   * memory with an input or another output. CPU-only: with `device: 'cuda'` a TypeError
   * naming `out`.
   */
  out?: readonly (RawTensor | null)[];
}

/** Options of {@link backward}. */
export interface BackwardCallOptions extends DeviceCallOptions {
  /**
   * Caller-owned arrays for the requested gradients (one entry per input; used where
   * `needGrad` is true, `null` for a fresh one), overwritten whole. Each must have its input's
   * shape and share no memory with the inputs, outputs, output gradients or each other.
   * CPU-only: with `device: 'cuda'` a TypeError naming `gradInputs`.
   */
  gradInputs?: readonly (RawTensor | null)[];
}

/**
 * Runs `op` forward on `options.device` (default the CPU). On the CPU, inputs are read where
 * they are (never copied) and the kernel's workspace is reused from call to call; on CUDA an op
 * that updates an input in place (batch_norm in train mode) updates the caller's array too.
 * The arguments are checked the same way on both devices, before anything runs.
 * @param inputs - in the op's input order; `null` for an absent optional input.
 * @returns the op's outputs: the `options.out` arrays where given, else new Float32Arrays.
 * @throws TypeError / RangeError naming the op and the bad value (a wrong `out` shape or an
 *   `out` array sharing memory with an input included); the device errors of
 *   {@link DeviceCallOptions.device}.
 */
export function forward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  options?: ForwardCallOptions,
): RawTensor[];
/** {@link forward} of an op loaded from a plugin. */
export function forward<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  inputs: readonly (RawTensor | null)[],
  options?: ForwardCallOptions,
): RawTensor[];
export function forward(
  op: string,
  attrs: object,
  inputs: readonly (RawTensor | null)[],
  options: ForwardCallOptions = {},
): RawTensor[] {
  return loadBinding().runForward(options.device ?? 'cpu', op, attrs as Attrs, inputs, options.out);
}

/**
 * Runs `op` backward on `options.device` (default the CPU): dL/d(inputs[i]) for each
 * `needGrad[i]`, else null.
 * @param outputs - the forward's outputs for the same inputs.
 * @param gradOutputs - dL/d(outputs); `null` means zero.
 * @param options - `device`; `gradInputs`: caller-owned arrays to write the gradients into (CPU).
 * @returns per input its gradient (the `gradInputs` array where given, else a new one), or null.
 * @throws as {@link forward}.
 */
export function backward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
  options?: BackwardCallOptions,
): (RawTensor | null)[];
/** {@link backward} of an op loaded from a plugin. */
export function backward<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
  options?: BackwardCallOptions,
): (RawTensor | null)[];
export function backward(
  op: string,
  attrs: object,
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
  options: BackwardCallOptions = {},
): (RawTensor | null)[] {
  return loadBinding().runBackward(
    options.device ?? 'cpu',
    op,
    attrs as Attrs,
    inputs,
    outputs,
    gradOutputs,
    needGrad,
    options.gradInputs,
  );
}

/** Output shapes of `op` for these input shapes, with full validation. */
export function inferShapes<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  shapes: readonly (readonly number[] | null)[],
): number[][];
/** {@link inferShapes} of an op loaded from a plugin. */
export function inferShapes<P extends string>(
  op: PluginOpName<P>,
  attrs: Attrs,
  shapes: readonly (readonly number[] | null)[],
): number[][];
export function inferShapes(
  op: string,
  attrs: object,
  shapes: readonly (readonly number[] | null)[],
): number[][] {
  return loadBinding().inferShapes(op, attrs as Attrs, shapes);
}

/**
 * What `op`'s backward reads of its forward's data when it computes the gradients `needGrad`
 * (the engine's declared backward needs, `include/deepsc/backward_reads.h`): `inputs[i]` /
 * `outputs[k]` true when the kernel reads that tensor's values (shapes are always used). The
 * graph executor frees every other forward value as soon as the forward is done with it.
 * @param inputs - the number of inputs of the call (a variadic op's count), `outputs` likewise.
 * @throws TypeError for an unknown op.
 */
export function backwardReads(
  op: string,
  needGrad: readonly boolean[],
  inputs: number,
  outputs: number,
): { inputs: boolean[]; outputs: boolean[] } {
  return loadBinding().backwardReads(op, needGrad, inputs, outputs);
}
