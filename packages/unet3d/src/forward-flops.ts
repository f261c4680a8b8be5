/**
 * Forward FLOPs of the U-Net per scan, as `predict` runs it: one forward of the inference graph
 * per sliding window over the prepared scan (`scanSize`) at overlap 0.5, counted by core's
 * `graphFlops` (2 x MACs for convolutions).
 * @module
 */
import { GraphBuilder, graphFlops, windowGrid } from '@deepsc/core';
import type { Unet3dConfig } from './config.js';
import { buildUnet3d, NAMES } from './network.js';

/** FLOPs of one window's forward, the windows per scan, and their product. */
export function unet3dForwardFlops(
  c: Unet3dConfig,
  overlap = 0.5,
): { perForward: number; windows: number; perScan: number } {
  const g = new GraphBuilder();
  const heads = buildUnet3d(g, c, g.input(NAMES.image, [1, 1, ...c.patchSize]));
  g.output(NAMES.logits, heads[0] as NonNullable<(typeof heads)[0]>);
  const perForward = graphFlops(g, [NAMES.logits]).total;
  const windows = windowGrid(c.scanSize, c.patchSize, overlap).length;
  return { perForward, windows, perScan: perForward * windows };
}
