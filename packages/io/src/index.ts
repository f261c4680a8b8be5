/**
 * `@deepsc/io`: NIfTI and DICOM IO, CT preprocessing, lung masks, a synthetic
 * COVID-19 / CAP / non-pneumonia cohort and the dataset loader.
 * @packageDocumentation
 */
export * from './volume.js';
