/**
 * @deepsc/eval: Segmentation and classification metrics with confidence intervals, lesion findings and self-contained HTML reports.
 * @packageDocumentation
 */
export const version = '0.1.0';
