/**
 * Errors the readers and writers of `@deepsc/io` throw for bad or unsupported files.
 * @module
 */

/**
 * The file formats (and containers) whose parsers throw {@link FormatError}; `text` is a text
 * file read whole (a manifest, a JSON marker).
 */
export type FormatName = 'nifti' | 'dicom' | 'gzip' | 'text';

/**
 * A file is corrupt, truncated, inconsistent or uses a feature this library does not read.
 * The message names the file (when known), the bad value and what would be right.
 * Absurd sizes that would exhaust memory are reported as `RangeError` instead, before anything
 * is allocated.
 */
export class FormatError extends Error {
  /**
   * @param format - the format whose parser failed.
   * @param message - what is wrong, naming the bad value.
   */
  constructor(
    readonly format: FormatName,
    message: string,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

/** A NIfTI datatype code this library cannot hold in a `VoxelArray` (complex, RGB, 64-bit ints...). */
export class UnsupportedDatatypeError extends FormatError {
  /**
   * @param code - the NIfTI datatype code found in the header.
   * @param datatypeName - its name in the NIfTI standard (or `unknown`).
   * @param message - the full message, naming the file and the supported datatypes.
   */
  constructor(
    readonly code: number,
    readonly datatypeName: string,
    message: string,
  ) {
    super('nifti', message);
    this.name = 'UnsupportedDatatypeError';
  }
}

/** A DICOM file whose transfer syntax (compressed pixel data, mostly) cannot be decoded here. */
export class UnsupportedTransferSyntaxError extends FormatError {
  /**
   * @param transferSyntaxUid - the UID from the file meta information (0002,0010).
   * @param transferSyntaxName - its name (for example `JPEG Baseline (Process 1)`).
   * @param message - the full message, naming the file and the supported syntaxes.
   */
  constructor(
    readonly transferSyntaxUid: string,
    readonly transferSyntaxName: string,
    message: string,
  ) {
    super('dicom', message);
    this.name = 'UnsupportedTransferSyntaxError';
  }
}
