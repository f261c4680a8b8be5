/**
 * @deepsc/eval: Segmentation and classification metrics with confidence intervals, lesion findings and self-contained HTML reports.
 * @packageDocumentation
 */
export const version = '0.1.0';

export * from './classification/classification-metrics.js';
export * from './classification/confusion.js';
export * from './classification/input.js';
export * from './classification/roc.js';
export * from './findings/class-differences.js';
export * from './findings/cohort-findings.js';
export * from './findings/components.js';
export * from './findings/hu-histogram.js';
export * from './findings/scan-findings.js';
export * from './report/escape.js';
export * from './report/example-run.js';
export * from './report/palette.js';
export * from './report/png.js';
export * from './report/render-report.js';
export * from './report/report-data.js';
export * from './report/run-folder.js';
export * from './report/slices.js';
export { type AggregateStudyOptions, aggregateStudy, pairedMetrics } from './report/study/aggregate-study.js';
export * from './report/study/render-study-report.js';
export * from './report/study/study-data.js';
export * from './report/study/study-tables.js';
export * from './report/svg/bar-chart.js';
export * from './report/svg/confusion-matrix.js';
export * from './report/svg/line-chart.js';
export * from './report/svg/plot.js';
export * from './report/svg/strip-chart.js';
export * from './report/training-log.js';
export * from './report/write-report.js';
export * from './segmentation/aggregate.js';
export * from './segmentation/bbox.js';
export * from './segmentation/distance-metrics.js';
export * from './segmentation/edt.js';
export * from './segmentation/mask.js';
export * from './segmentation/overlap.js';
export * from './segmentation/segmentation-metrics.js';
export * from './segmentation/soft-dice.js';
export * from './segmentation/surface.js';
export * from './segmentation/surface-distance.js';
export * from './stats/bootstrap.js';
export * from './stats/mann-whitney.js';
export * from './stats/percentile.js';
export * from './stats/rng.js';
export * from './stats/summary.js';
