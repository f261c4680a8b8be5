/**
 * Cohort summaries of per-scan segmentation metrics.
 * @module
 */
import type { BootstrapOptions } from '../stats/bootstrap.js';
import { type Summary, summarise } from '../stats/summary.js';
import {
  type SegmentationMetricName,
  type SegmentationMetrics,
  segmentationMetricNames,
} from './segmentation-metrics.js';

/** Per-metric summaries over scans, plus how many scans fell in each empty-mask case. */
export interface SegmentationSummary {
  readonly scans: number;
  readonly metrics: Readonly<Record<SegmentationMetricName, Summary>>;
  readonly cases: Readonly<Record<SegmentationMetrics['case'], number>>;
}

/**
 * Summarises per-scan metrics: mean, sample standard deviation, median, range and a seeded
 * percentile-bootstrap 95% interval of the mean, over the scans where the metric is finite
 * (undefined and infinite values are counted, not averaged).
 * @param options bootstrap options (default 1000 resamples, seed 0, level 0.95).
 */
export function summariseSegmentation(
  perScan: readonly SegmentationMetrics[],
  options: BootstrapOptions = {},
): SegmentationSummary {
  const metrics = {} as Record<SegmentationMetricName, Summary>;
  for (const name of segmentationMetricNames)
    metrics[name] = summarise(
      perScan.map((m) => m[name]),
      options,
    );
  const cases = { 'both-present': 0, 'both-empty': 0, 'truth-empty': 0, 'prediction-empty': 0 };
  for (const m of perScan) cases[m.case]++;
  return { scans: perScan.length, metrics, cases };
}
