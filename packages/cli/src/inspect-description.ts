/**
 * What `deepsc inspect` prints for a volume: the reader's description (geometry, datatype,
 * range) and, for NIfTI, the whole header described from its fields. Inspecting describes every
 * valid file, including those training would refuse: a 4D series (every dim listed; min and
 * max of the first volume) and a datatype whose voxels this library cannot hold (header only,
 * min and max null).
 * @module
 */
import {
  describeNiftiHeader,
  type NiftiHeaderDescription,
  readNiftiHeader,
  readVolume,
  UnsupportedDatatypeError,
  type VolumeSource,
} from '@deepsc/io';
import { asDataError, describeVolume, readOptions, type VolumeInputOptions } from './volume-input.js';

/**
 * Reads `input` (the first volume of a 4D NIfTI file) and describes it; for a NIfTI file whose
 * voxels cannot be read (unsupported datatype, a volume over the size limit) describes its
 * header alone.
 * @throws CliError with exit code 3 for missing, corrupt or unreadable input.
 */
export async function inspectDescription(
  input: string,
  opts: VolumeInputOptions,
): Promise<Record<string, unknown>> {
  let source: VolumeSource;
  try {
    source = await readVolume(input, { ...readOptions(opts), extraVolumes: 'first' });
  } catch (err) {
    if (err instanceof UnsupportedDatatypeError || err instanceof RangeError) {
      const header = await readNiftiHeader(input).catch(() => undefined);
      if (header) return headerOnly(input, describeNiftiHeader(header, input));
    }
    throw asDataError(input, err);
  }
  const described = describeVolume(input, source);
  if (source.format !== 'nifti') return described;
  const header = describeNiftiHeader(source.volume.header, input);
  return { ...described, nifti: { ...(described.nifti as object), header } };
}

/** The inspect JSON of a NIfTI file from its header alone: no voxel type, min or max. */
function headerOnly(path: string, h: NiftiHeaderDescription): Record<string, unknown> {
  const dims = [h.dims[0] ?? 1, h.dims[1] ?? 1, h.dims[2] ?? 1];
  const spacing = h.affine
    ? [0, 1, 2].map((c) => Math.hypot(...[0, 1, 2].map((r) => (h.affine as number[][])[r]?.[c] as number)))
    : null;
  return {
    format: `nifti-${h.version}`,
    path,
    dims,
    spacing,
    affine: h.affine,
    axisCodes: h.axisCodes,
    datatype: h.datatype.name,
    voxelType: null,
    scaling: h.scaling,
    min: null,
    max: null,
    warnings: h.warnings,
    nifti: {
      affineSource: h.affineSource,
      sformCode: h.sformCode,
      qformCode: h.qformCode,
      byteOrder: h.byteOrder,
      descrip: h.descrip,
      header: h,
    },
  };
}
