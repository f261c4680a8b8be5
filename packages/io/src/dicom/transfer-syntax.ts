/**
 * DICOM transfer syntaxes: which ones this library decodes, and the names of the others for
 * error messages.
 * @module
 */
import { UnsupportedTransferSyntaxError } from '../format-error.js';

/** Transfer syntaxes whose pixel data are read: uncompressed, or deflated as a whole dataset. */
export const SUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};

/** Compressed transfer syntaxes, named in the error they raise. */
export const COMPRESSED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** The name of a transfer syntax UID, or `unknown transfer syntax`. */
export function transferSyntaxName(uid: string): string {
  return SUPPORTED_TRANSFER_SYNTAXES[uid] ?? COMPRESSED_TRANSFER_SYNTAXES[uid] ?? 'unknown transfer syntax';
}

/**
 * Checks that pixel data in this transfer syntax can be read.
 * @throws UnsupportedTransferSyntaxError naming the UID, its name and the supported syntaxes.
 */
export function assertSupportedTransferSyntax(uid: string, what: string): void {
  if (uid in SUPPORTED_TRANSFER_SYNTAXES) return;
  const name = transferSyntaxName(uid);
  throw new UnsupportedTransferSyntaxError(
    uid,
    name,
    `${what}: pixel data in transfer syntax ${uid} (${name}) cannot be decoded; supported: ${Object.values(
      SUPPORTED_TRANSFER_SYNTAXES,
    ).join(', ')} (decompress first, e.g. with dcmdjpeg / gdcmconv --raw)`,
  );
}
