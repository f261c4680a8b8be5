/**
 * Reading the volume a command is given (NIfTI file, DICOM file or folder) and describing it,
 * with read failures turned into one-line data errors (exit code 3).
 * @module
 */
import {
  axisCodes,
  datatypeFromCode,
  FormatError,
  type ReadVolumeOptions,
  readVolume,
  type VolumeSource,
} from '@deepsc/io';
import { CliError, ExitCode } from './errors.js';

/** Options shared by the commands that read a volume. */
export interface VolumeInputOptions {
  series?: string;
  unevenSpacing?: 'error' | 'warn';
  firstVolume?: boolean;
}

/** The reader options for the commands' flags. */
export function readOptions(opts: VolumeInputOptions): ReadVolumeOptions {
  return {
    ...(opts.series !== undefined ? { series: opts.series } : {}),
    unevenSpacing: opts.unevenSpacing ?? 'error',
    extraVolumes: opts.firstVolume ? 'first' : 'reject',
  };
}

/** Why a path could not be read, in one line. */
function fsMessage(path: string, err: NodeJS.ErrnoException): string | undefined {
  switch (err.code) {
    case 'ENOENT':
      return `${path}: no such file or folder`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    case 'EISDIR':
      return `${path}: is a folder`;
    case 'ENOTDIR':
      return `${path}: a part of the path is not a folder`;
    case 'ESPIPE':
    case 'ENXIO':
      return `${path}: is a pipe or a device, not a regular file; save the input to a file first`;
    default:
      return undefined;
  }
}

/**
 * Reads a NIfTI or DICOM input.
 * @throws CliError with exit code 3 (data) for missing, unreadable, corrupt, unsupported or
 * oversized input; other errors (bugs) propagate.
 */
export async function loadVolume(path: string, options: ReadVolumeOptions): Promise<VolumeSource> {
  try {
    return await readVolume(path, options);
  } catch (err) {
    throw asDataError(path, err);
  }
}

/** Turns a read failure into a CliError with exit code 3; anything else is returned as is. */
export function asDataError(path: string, err: unknown): unknown {
  if (err instanceof FormatError || err instanceof RangeError)
    return new CliError(oneLine(err.message), ExitCode.data);
  const fs = err as NodeJS.ErrnoException;
  const message = typeof fs?.code === 'string' ? fsMessage(path, fs) : undefined;
  return message ? new CliError(message, ExitCode.data) : err;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Minimum and maximum of the voxels (NaN-free), as numbers. */
function range(data: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

const typeName = (data: ArrayLike<number>) => data.constructor.name.replace('Array', '').toLowerCase();

/**
 * The JSON `deepsc inspect` prints: format, dims, spacing, affine (voxel to RAS+ mm), axis
 * codes, datatype (as stored on disk for NIfTI, of the HU values for DICOM), the data type held
 * in memory, min and max of the (scaled) values, warnings, and format-specific details.
 */
export function describeVolume(path: string, source: VolumeSource): Record<string, unknown> {
  const v = source.volume;
  const [min, max] = range(v.data);
  const common = {
    dims: [...v.dims],
    spacing: [...v.spacing],
    affine: v.affine.map((r) => [...r]),
    axisCodes: axisCodes(v.affine).join(''),
  };
  if (source.format === 'nifti') {
    const h = source.volume.header;
    const slope = h.sclSlope;
    const scaled = slope !== 0 && Number.isFinite(slope) && (slope !== 1 || h.sclInter !== 0);
    return {
      format: `nifti-${h.version}`,
      path,
      ...common,
      datatype: datatypeFromCode(h.datatype).name,
      voxelType: typeName(v.data),
      scaling: scaled ? { slope, inter: h.sclInter } : null,
      min,
      max,
      warnings: [...source.volume.warnings],
      nifti: {
        affineSource: source.volume.affineSource,
        sformCode: h.sformCode,
        qformCode: h.qformCode,
        byteOrder: h.endianness,
        descrip: h.descrip,
        xyztUnits: h.xyztUnits,
      },
    };
  }
  const d = source.volume;
  return {
    format: 'dicom',
    path,
    ...common,
    datatype: typeName(v.data),
    voxelType: typeName(v.data),
    scaling: null,
    min,
    max,
    warnings: [...d.warnings],
    dicom: {
      seriesInstanceUid: d.seriesInstanceUid,
      seriesDescription: d.seriesDescription,
      modality: d.modality,
      transferSyntaxes: [...d.transferSyntaxes],
      files: d.files.length,
      // slices: one per classic file, NumberOfFrames per multi-frame file
      frames: d.slices.length,
      sopClasses: [...new Set(d.slices.map((s) => s.sopClassUid))],
      lossy: d.slices.some((s) => s.lossy),
    },
  };
}
