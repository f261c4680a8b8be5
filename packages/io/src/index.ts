/**
 * `@deepsc/io`: NIfTI and DICOM IO, CT preprocessing, lung masks, a synthetic
 * COVID-19 / CAP / non-pneumonia cohort and the dataset loader.
 * @packageDocumentation
 */

export * from './dicom/geometry.js';
export * from './dicom/read-series.js';
export {
  type DicomSliceInfo,
  decodeSlicePixels,
  isDicomPart10,
  parseDicomSliceInfo,
} from './dicom/slice.js';
export * from './dicom/transfer-syntax.js';
export * from './format-error.js';
export { writeFileAtomic } from './fs/atomic-write.js';
export {
  DEFAULT_MAX_BYTES,
  gunzipBounded,
  gunzipBoundedSync,
  gzipBytes,
  gzipBytesSync,
  isGzip,
} from './fs/gzip.js';
export * from './nifti/affine.js';
export * from './nifti/datatypes.js';
export * from './nifti/header.js';
export * from './nifti/orientation.js';
export { fixNiftiHeader, type NiftiReadOptions, parseNifti, readNifti } from './nifti/read.js';
export type { NiftiVolume } from './nifti/volume.js';
export { encodeNifti, type NiftiWriteOptions, niftiHeaderFor, writeNifti } from './nifti/write.js';
export * from './volume.js';
