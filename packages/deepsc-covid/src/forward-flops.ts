/**
 * Forward FLOPs of DeepSC-COVID per scan, as `predict` runs it: one forward of the inference
 * graph (batch 1) per sliding window of the patch grid, each forward computing what `predict`
 * reads (the segmentation logits, the class logits and the evidence maps, with everything they
 * depend on: the whole-scan stream is run again in every window, since the cross-stitch unit
 * mixes it with that window's patch). Counted by `graphFlops`' convention (2 x MACs for
 * convolutions and linear layers).
 * @module
 */
import { GraphBuilder, graphFlops, windowGrid } from '@deepsc/core';
import { type DeepScCovidConfig, resolveConfig } from './config.js';
import { buildDeepScCovid, OUTPUT_NAMES } from './deepsc-covid.js';
import { segmentationShape } from './sliding-window.js';
import { hasClassifier, hasSegmentation } from './variant.js';

/** What {@link forwardFlopsPerScan} counts. */
export interface ScanFlops {
  /** FLOPs of one forward of the inference graph (one window). */
  perForward: number;
  /** Windows `predict` runs per scan (1 without a patch stream). */
  windows: number;
  /** perForward x windows. */
  perScan: number;
  /** perForward by op. */
  byOp: Record<string, number>;
}

/**
 * Forward FLOPs per scan of `config` for `predict` with the default patch grid (`whole-scan`,
 * so the same for every scan) and `overlap` (default 0.5, as `predict`).
 * @throws RangeError for an invalid configuration or overlap.
 */
export function forwardFlopsPerScan(config: DeepScCovidConfig, overlap = 0.5): ScanFlops {
  if (!(overlap >= 0 && overlap < 1))
    throw new RangeError(`forwardFlopsPerScan: overlap ${overlap} must be in [0, 1)`);
  const c = resolveConfig({ ...config, batch: 1 });
  const g = new GraphBuilder();
  buildDeepScCovid(g, c);
  const outputs = [
    ...(hasSegmentation(c.variant) ? [OUTPUT_NAMES.segLogits] : []),
    ...(hasClassifier(c.variant) ? [OUTPUT_NAMES.logits, ...OUTPUT_NAMES.evidence] : []),
  ];
  const f = graphFlops(g, outputs);
  const windows = hasSegmentation(c.variant)
    ? windowGrid(segmentationShape(c, c.wholeSize, 'whole-scan'), c.patchSize, overlap).length
    : 1;
  return { perForward: f.total, windows, perScan: f.total * windows, byOp: f.byOp };
}
