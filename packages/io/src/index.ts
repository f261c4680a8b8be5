/// <reference types="node" preserve="true" />
// The published .d.ts name Node.js types (file handles, streams, errors): this directive and the
// @types/node dependency make them resolve for consumers whose tsconfig lists no `types` (TS 7).
/**
 * `@deepsc/io`: NIfTI and DICOM IO, CT preprocessing, lung masks, a synthetic
 * COVID-19 / CAP / non-pneumonia cohort and the dataset loader.
 * @packageDocumentation
 */

export * from './dataset/csv.js';
export type { LoadReply, LoadRequest } from './dataset/load-one.js';
export * from './dataset/loader.js';
export * from './dataset/manifest.js';
export * from './dataset/prepare.js';
export * from './dataset/scan-cache.js';
export * from './dataset/scan-failure.js';
export * from './dataset/splits.js';
export { isDicomPart10, parseDicomBytes } from './dicom/dataset.js';
export { DICOMDIR_SOP_CLASS } from './dicom/dicomdir.js';
export * from './dicom/geometry.js';
export { decodeFramePixels } from './dicom/pixels.js';
export * from './dicom/read-series.js';
export * from './dicom/seg.js';
export { type DicomSliceInfo, imageFrames, parseDicomFrames } from './dicom/slice.js';
export * from './dicom/transfer-syntax.js';
export * from './format-error.js';
export { ATOMIC_TEMPORARY, removeStaleAtomicTemporaries, writeFileAtomic } from './fs/atomic-write.js';
export {
  DEFAULT_MAX_BYTES,
  gunzipBounded,
  gunzipBoundedSync,
  gunzipChunks,
  gzipBytes,
  gzipBytesSync,
  isGzip,
} from './fs/gzip.js';
export { makeDirectory } from './fs/make-directory.js';
export { isSystemError, withPath } from './fs/path-error.js';
export { processAlive } from './fs/process-alive.js';
export { type Prefix, type PrefixPlan, readPrefix } from './fs/read-prefix.js';
export {
  assertRegularFile,
  fileKind,
  NotRegularFileError,
  openRegularFile,
  readRegularTextFile,
} from './fs/regular-file.js';
export * from './geometry/distance-transform.js';
export * from './geometry/same-grid.js';
// CT preprocessing, lung mask, synthetic cohort, datasets (one module per concept)
export * from './labels.js';
export * from './lung/connected-components.js';
export * from './lung/distance-transform.js';
export * from './lung/lung-mask.js';
export * from './lung/mask-overlap.js';
export * from './lung/morphology.js';
export * from './nifti/affine.js';
export * from './nifti/datatypes.js';
export * from './nifti/describe.js';
export * from './nifti/header.js';
export * from './nifti/orientation.js';
export {
  chooseAffine,
  fixNiftiHeader,
  type NiftiLayout,
  type NiftiReadOptions,
  niftiLayout,
  parseNifti,
  readNifti,
  readNiftiHeader,
} from './nifti/read.js';
export type { NiftiVolume } from './nifti/volume.js';
export { encodeNifti, type NiftiWriteOptions, niftiHeaderFor, writeNifti } from './nifti/write.js';
export * from './preprocess/affine-math.js';
export * from './preprocess/apply-mask.js';
export * from './preprocess/augment.js';
export * from './preprocess/crop-pad.js';
export * from './preprocess/crop-to-mask.js';
export * from './preprocess/interpolation.js';
export * from './preprocess/normalize.js';
export * from './preprocess/patch.js';
export * from './preprocess/resample.js';
export * from './preprocess/warp.js';
export * from './preprocess/window.js';
export * from './random.js';
export { type ReadVolumeOptions, readVolume, type VolumeSource } from './read-volume.js';
export * from './synth/anatomy.js';
export * from './synth/cohort.js';
export type { CohortReply, CohortTask } from './synth/cohort-worker.js';
export type { ConfounderParams } from './synth/confounders.js';
export * from './synth/generate-scan.js';
export type { SynthGrid } from './synth/grid.js';
export type { LesionParams } from './synth/lesions.js';
export * from './synth/profiles.js';
export * from './threads/limits.js';
export * from './volume.js';
