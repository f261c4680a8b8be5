/**
 * Typed, eager wrappers over the engine's ops (synchronous, CPU, on JS-owned memory). One
 * attribute interface per op; the op's name is the same everywhere (ops.def, the C++ files,
 * this file and the tests).
 * @module
 */
import { type Attrs, loadBinding, type RawTensor } from './binding.js';

/** Attributes of `leaky_relu`. */
export interface LeakyReluAttrs {
  /** Slope for x <= 0 (PyTorch's `negative_slope`); default 0.01. */
  slope?: number;
}

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
}

/** Name of a registered op. */
export type OpName = keyof OpAttrs;

/**
 * Runs `op` forward on the CPU.
 * @param inputs - in the op's input order; `null` for an absent optional input.
 * @returns the op's outputs (new Float32Arrays).
 * @throws TypeError / RangeError naming the op and the bad value.
 */
export function forward<K extends OpName>(op: K, attrs: OpAttrs[K], inputs: readonly (RawTensor | null)[]): RawTensor[] {
  return loadBinding().runForward(op, attrs as Attrs, inputs);
}

/**
 * Runs `op` backward on the CPU: dL/d(inputs[i]) for each `needGrad[i]`, else null.
 * @param outputs - the forward's outputs for the same inputs.
 * @param gradOutputs - dL/d(outputs); `null` means zero.
 */
export function backward<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  inputs: readonly (RawTensor | null)[],
  outputs: readonly RawTensor[],
  gradOutputs: readonly (RawTensor | null)[],
  needGrad: readonly boolean[],
): (RawTensor | null)[] {
  return loadBinding().runBackward(op, attrs as Attrs, inputs, outputs, gradOutputs, needGrad);
}

/** Output shapes of `op` for these input shapes, with full validation. */
export function inferShapes<K extends OpName>(
  op: K,
  attrs: OpAttrs[K],
  shapes: readonly (readonly number[] | null)[],
): number[][] {
  return loadBinding().inferShapes(op, attrs as Attrs, shapes);
}
