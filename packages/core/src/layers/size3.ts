/**
 * A size per spatial axis `[D, H, W]`, or one number for all three (kernels, strides), and its
 * expansion.
 * @module
 */

/** `[D, H, W]`, or one number for all three axes. */
export type Size3 = number | readonly [number, number, number];

/** `s` as `[D, H, W]`. */
export function size3(s: Size3): [number, number, number] {
  return typeof s === 'number' ? [s, s, s] : [s[0], s[1], s[2]];
}
