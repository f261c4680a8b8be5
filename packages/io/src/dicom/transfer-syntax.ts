/**
 * DICOM transfer syntaxes: which ones this library decodes (and with which codec), and why the
 * others are refused.
 * @module
 */
import { UnsupportedTransferSyntaxError } from '../format-error.js';

/**
 * How the pixel data of a transfer syntax are decoded: `native` (uncompressed, read in place),
 * or the codec that decompresses each encapsulated frame.
 */
export type PixelCodec = 'native' | 'rle' | 'jpeg-lossless' | 'jpeg' | 'jpeg-ls' | 'jpeg2000';

/** A transfer syntax this library reads. */
export interface TransferSyntaxSupport {
  readonly name: string;
  readonly codec: PixelCodec;
  /** The compression loses information (the values differ from the scanner's). */
  readonly lossy: boolean;
}

/** Transfer syntaxes whose pixel data are read. */
export const SUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, TransferSyntaxSupport>> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', codec: 'native', lossy: false },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', codec: 'native', lossy: false },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', codec: 'native', lossy: false },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', codec: 'native', lossy: false },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', codec: 'rle', lossy: false },
  '1.2.840.10008.1.2.4.57': {
    name: 'JPEG Lossless, Non-Hierarchical (Process 14)',
    codec: 'jpeg-lossless',
    lossy: false,
  },
  '1.2.840.10008.1.2.4.70': {
    name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)',
    codec: 'jpeg-lossless',
    lossy: false,
  },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', codec: 'jpeg', lossy: true },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', codec: 'jpeg', lossy: true },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', codec: 'jpeg-ls', lossy: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls', lossy: true },
  '1.2.840.10008.1.2.4.90': {
    name: 'JPEG 2000 Image Compression (Lossless Only)',
    codec: 'jpeg2000',
    lossy: false,
  },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000 Image Compression', codec: 'jpeg2000', lossy: true },
};

/**
 * Why HTJ2K is refused: the bundled OpenJPEG build decodes HTJ2K from OpenJPH bit-exact at 12
 * bits but returns saturated values (32767) for 16-bit signed CT, so it cannot be trusted.
 */
const HTJ2K =
  'the bundled OpenJPEG build misdecodes 16-bit High-Throughput JPEG 2000, so no HTJ2K file is trusted';

/** Transfer syntaxes that are refused, with the reason given in the error. */
export const REFUSED_TRANSFER_SYNTAXES: Readonly<Record<string, { name: string; reason: string }>> = {
  '1.2.840.10008.1.2.4.92': {
    name: 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
    reason: 'multi-component (colour or multi-spectral) images are not CT',
  },
  '1.2.840.10008.1.2.4.93': {
    name: 'JPEG 2000 Part 2 Multi-component',
    reason: 'multi-component (colour or multi-spectral) images are not CT',
  },
  '1.2.840.10008.1.2.4.201': {
    name: 'High-Throughput JPEG 2000 (Lossless Only)',
    reason: HTJ2K,
  },
  '1.2.840.10008.1.2.4.202': {
    name: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
    reason: HTJ2K,
  },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000', reason: HTJ2K },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2 Main Profile / Main Level', reason: 'video, not a CT series' },
  '1.2.840.10008.1.2.4.101': { name: 'MPEG2 Main Profile / High Level', reason: 'video, not a CT series' },
  '1.2.840.10008.1.2.4.102': { name: 'MPEG-4 AVC/H.264 High Profile', reason: 'video, not a CT series' },
  '1.2.840.10008.1.2.4.103': {
    name: 'MPEG-4 AVC/H.264 BD-compatible High Profile',
    reason: 'video, not a CT series',
  },
  '1.2.840.10008.1.2.4.110': { name: 'JPEG XL Lossless', reason: 'no JPEG XL decoder is bundled' },
  '1.2.840.10008.1.2.4.111': { name: 'JPEG XL JPEG Recompression', reason: 'no JPEG XL decoder is bundled' },
  '1.2.840.10008.1.2.4.112': { name: 'JPEG XL', reason: 'no JPEG XL decoder is bundled' },
  '1.2.840.10008.1.2.1.98': {
    name: 'Encapsulated Uncompressed Explicit VR Little Endian',
    reason: 'not written by scanners; not supported',
  },
};

/** The name of a transfer syntax UID, or `unknown transfer syntax`. */
export function transferSyntaxName(uid: string): string {
  return (
    SUPPORTED_TRANSFER_SYNTAXES[uid]?.name ??
    REFUSED_TRANSFER_SYNTAXES[uid]?.name ??
    'unknown transfer syntax'
  );
}

/**
 * How pixel data in this transfer syntax are decoded.
 * @throws UnsupportedTransferSyntaxError naming the UID, its name, why it is refused, and the
 * supported syntaxes.
 */
export function transferSyntaxSupport(uid: string, what: string): TransferSyntaxSupport {
  const support = SUPPORTED_TRANSFER_SYNTAXES[uid];
  if (support) return support;
  const name = transferSyntaxName(uid);
  const reason = REFUSED_TRANSFER_SYNTAXES[uid]?.reason ?? 'not a transfer syntax of the DICOM standard';
  throw new UnsupportedTransferSyntaxError(
    uid,
    name,
    `${what}: pixel data in transfer syntax ${uid} (${name}) cannot be decoded: ${reason}; supported: ${Object.values(
      SUPPORTED_TRANSFER_SYNTAXES,
    )
      .map((s) => s.name)
      .join(', ')} (convert first, e.g. with gdcmconv --raw)`,
  );
}

/** Checks that pixel data in this transfer syntax can be read; see {@link transferSyntaxSupport}. */
export function assertSupportedTransferSyntax(uid: string, what: string): void {
  transferSyntaxSupport(uid, what);
}
