/**
 * `ReportData`: everything the HTML report shows, computed beforehand, plain JSON-compatible
 * data (images already encoded), so a report can be rendered from any source, not only a run
 * folder.
 * @module
 */
import type { ClassificationReport } from '../classification/classification-metrics.js';
import type { ClassDifference } from '../findings/class-differences.js';
import type { ClassFindings } from '../findings/cohort-findings.js';
import type { SegmentationSummary } from '../segmentation/aggregate.js';
import type { SegmentationMetrics } from '../segmentation/segmentation-metrics.js';
import type { SliceImage } from './slices.js';

/** One line of a training log: the epoch, the split, and any numeric metrics. */
export interface TrainingRecord {
  /** Epoch, may be fractional for records within an epoch. */
  readonly epoch: number;
  /** `train`, `val`, ...; default `train`. */
  readonly split: string;
  /** Metric name to value (loss, dice, accuracy, lr, ...). */
  readonly values: Readonly<Record<string, number>>;
}

/** One scan's part of the report. */
export interface ScanView {
  readonly id: string;
  readonly trueClass?: string;
  readonly predictedClass?: string;
  /** Class probabilities in the order of `ReportData.run.classes`. */
  readonly probabilities?: readonly number[];
  readonly metrics?: SegmentationMetrics;
  readonly images: readonly SliceImage[];
}

/** The findings of a cohort per class, from truth or predicted masks. */
export interface FindingsSection {
  readonly source: 'truth' | 'prediction';
  readonly classes: readonly ClassFindings[];
  /** Scans whose findings went in. */
  readonly scans: number;
  /** Pairwise Mann-Whitney comparisons of the findings between classes. */
  readonly differences: readonly ClassDifference[];
}

/** Everything one report shows. */
export interface ReportData {
  readonly title: string;
  /** ISO 8601 time the report was made. */
  readonly createdAt: string;
  readonly run: {
    readonly name: string;
    readonly folder?: string;
    readonly classes: readonly string[];
    readonly config?: Readonly<Record<string, unknown>>;
    readonly notes?: string;
  };
  /** Training log records, in file order (may be empty). */
  readonly training: readonly TrainingRecord[];
  readonly classification?: ClassificationReport;
  readonly segmentation?: {
    readonly summary: SegmentationSummary;
    readonly perScan: readonly { readonly id: string; readonly metrics: SegmentationMetrics }[];
  };
  readonly findings: readonly FindingsSection[];
  /** Scans shown with slice views. */
  readonly scans: readonly ScanView[];
  /** Things the reader should know: skipped scans, missing files. */
  readonly warnings: readonly string[];
}
