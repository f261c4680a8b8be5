import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertSupportedTransferSyntax,
  type DicomReadOptions,
  FormatError,
  REFUSED_TRANSFER_SYNTAXES,
  readDicomSeries,
  SUPPORTED_TRANSFER_SYNTAXES,
  UnsupportedTransferSyntaxError,
} from '../src/index.js';
import { expected, FIXTURES } from './support/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'deepsc-dicom-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder holding the given files (copies), each as `name` or under its index. */
function folder(
  name: string,
  files: readonly string[],
  extra: Record<string, Uint8Array | string> = {},
): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [i, f] of files.entries()) copyFileSync(f, join(dir, `f${String(i).padStart(3, '0')}.dcm`));
  for (const [n, bytes] of Object.entries(extra)) writeFileSync(join(dir, n), bytes);
  return dir;
}
const files = (series: string) =>
  readdirSync(join(FIXTURES, 'dicom', series)).map((f) => join(FIXTURES, 'dicom', series, f));

let sorted: readonly string[] = [];
beforeAll(async () => {
  sorted = (await readDicomSeries(join(FIXTURES, 'dicom', 'implicit_le'))).files;
});

/** Meta header of the deflated fixture followed by a deflated dataset of `size` zero bytes. */
function deflateBomb(size: number): Uint8Array {
  const src = readFileSync(join(FIXTURES, 'dicom', 'deflated', 'IM0000.dcm'));
  const groupLength = src.readUInt32LE(132 + 8);
  const bodyStart = 132 + 12 + groupLength;
  return Buffer.concat([src.subarray(0, bodyStart), deflateRawSync(new Uint8Array(size))]);
}

/** The first slice with its pixel data element's length replaced by `length` (implicit VR LE). */
function lyingPixelLength(length: number): Buffer {
  const b = Buffer.from(readFileSync(sorted[0] as string));
  const at = b.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  b.writeUInt32LE(length, at + 4);
  return b;
}

type Case = readonly [string, () => string, DicomReadOptions, new (...a: never[]) => Error, RegExp];

const cases: Case[] = [
  [
    'JPEG baseline with 16-bit pixels',
    () => join(FIXTURES, 'dicom', 'jpeg_baseline'),
    {},
    UnsupportedTransferSyntaxError,
    /16-bit lossy JPEG \(JPEG Baseline \(Process 1\)\) cannot be decoded: the bundled libjpeg-turbo decodes 8-bit JPEG only/,
  ],
  [
    'two series in one folder',
    () => folder('mixed', [...files('implicit_le'), ...files('explicit_be')]),
    {},
    FormatError,
    /holds 2 series; choose one with the series option/,
  ],
  [
    'a series that is not there',
    () => folder('mixed2', files('implicit_le')),
    { series: '1.2.3' },
    FormatError,
    /no series 1\.2\.3; found/,
  ],
  [
    'a missing slice',
    () =>
      folder(
        'missing',
        sorted.filter((_, k) => k !== 1),
      ),
    {},
    FormatError,
    /1 missing slice\(s\) .*gap 5\.000 mm, spacing 2\.500 mm.*unevenSpacing: 'warn'/,
  ],
  [
    'gantry tilt refused',
    () => join(FIXTURES, 'dicom', 'gantry_tilt'),
    { gantryTilt: 'error' },
    FormatError,
    /gantry tilt 19\.80°/,
  ],
  [
    'two slices at one position',
    () => folder('duplicate', [...sorted, sorted[2] as string]),
    {},
    FormatError,
    /two slices at the same position/,
  ],
  [
    'mixed image sizes',
    () => folder('sizes', [...files('implicit_le'), ...files('deflated')]),
    { series: '' },
    FormatError,
    /no series/,
  ],
  [
    'an empty folder',
    () => folder('empty', []),
    {},
    FormatError,
    /no DICOM images found \(0 file\(s\) scanned\)/,
  ],
  [
    'only non-DICOM files',
    () => folder('text', [], { 'notes.txt': 'hello', 'x.dcm': new Uint8Array(200) }),
    {},
    FormatError,
    /no DICOM images found \(2 file/,
  ],
  [
    'a truncated file',
    () => folder('truncated', [], { 'a.dcm': readFileSync(sorted[0] as string).subarray(0, 600) }),
    {},
    FormatError,
    /a\.dcm: has no pixel data \(7FE0,0010\); a truncated file/,
  ],
  [
    'a file cut inside an element (issue 11: was "[object Object]")',
    () => folder('cut', [], { 'a.dcm': readFileSync(sorted[0] as string).subarray(0, 300) }),
    {},
    FormatError,
    /a\.dcm: not a readable DICOM file: it ends inside an element: truncated \(300 bytes\)\?/,
  ],
  [
    'a file cut inside the file meta information',
    () => folder('cut-meta', [], { 'a.dcm': readFileSync(sorted[0] as string).subarray(0, 140) }),
    {},
    FormatError,
    /a\.dcm: not a readable DICOM file: it ends inside an element: truncated \(140 bytes\)\?/,
  ],
  [
    'a compressed file cut inside its pixel data',
    () => {
      const src = readFileSync(join(FIXTURES, 'dicom-codecs', 's16', '1.2.840.10008.1.2.4.90.dcm'));
      return folder('cut-j2k', [], { 'a.dcm': src.subarray(0, src.length - 200) });
    },
    {},
    FormatError,
    /a\.dcm: not a readable DICOM file: it ends inside an element: truncated/,
  ],
  [
    'a pixel data length that lies short',
    () => folder('lying-short', [], { 'a.dcm': lyingPixelLength(10) }),
    {},
    FormatError,
    /truncated pixel data: 1 frame\(s\) of 6x5 at 16 bits need 60 bytes, the file has 10/,
  ],
  [
    'a pixel data length of zero',
    () => folder('lying-zero', [], { 'a.dcm': lyingPixelLength(0) }),
    {},
    FormatError,
    /truncated pixel data: 1 frame\(s\) of 6x5 at 16 bits need 60 bytes, the file has 0/,
  ],
  [
    'garbage after the DICM marker',
    () =>
      folder('garbage', [], {
        'a.dcm': Buffer.concat([readFileSync(sorted[0] as string).subarray(0, 140), Buffer.alloc(300, 0xee)]),
      }),
    {},
    FormatError,
    /not a readable DICOM file/,
  ],
  [
    'a deflate bomb beyond maxBytes',
    () => folder('bomb', [], { 'a.dcm': deflateBomb(16 << 20) }),
    { maxBytes: 1 << 20 },
    RangeError,
    /inflates to more than maxBytes 1048576/,
  ],
  [
    'a broken deflate stream',
    () =>
      folder('broken-deflate', [], {
        'a.dcm': Buffer.concat([deflateBomb(1000).subarray(0, 400), Buffer.alloc(50, 0xff)]),
      }),
    {},
    FormatError,
    /not a readable DICOM file|no pixel data.*truncated/,
  ],
  [
    'a file larger than maxBytes',
    () => join(FIXTURES, 'dicom', 'implicit_le'),
    { maxBytes: 300 },
    RangeError,
    /exceed maxBytes 300/,
  ],
];

describe('DICOM errors', () => {
  it.each(cases.map((c) => [c[0], c] as const))('%s', async (_name, c) => {
    const [, path, options, type, message] = c;
    const err = await readDicomSeries(path(), options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });

  it('reads the chosen series of a mixed folder', async () => {
    const dir = folder('mixed3', [...files('implicit_le'), ...files('explicit_be')]);
    const want = expected.dicom.explicit_be!;
    const v = await readDicomSeries(dir, { series: want.seriesInstanceUID });
    expect(Array.from(v.data)).toEqual(want.data);
  });

  it('reads past a missing slice with unevenSpacing: warn, saying so', async () => {
    const v = await readDicomSeries(
      folder(
        'missing-warn',
        sorted.filter((_, k) => k !== 1),
      ),
      { unevenSpacing: 'warn' },
    );
    expect(v.dims[2]).toBe(3);
    expect(v.warnings.join()).toMatch(/1 missing slice.*mean spacing/);
  });

  it('skips files that are not DICOM, with a warning, and searches subfolders', async () => {
    const dir = folder('nested', [], { 'README.txt': 'not an image' });
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    for (const f of files('deflated'))
      copyFileSync(f, join(dir, 'sub', 'deeper', f.split('/').pop() as string));
    const v = await readDicomSeries(dir);
    expect(v.dims).toEqual(expected.dicom.deflated!.shape);
    expect(v.warnings.join()).toMatch(/skipped 1 file\(s\) that are not DICOM/);
  });

  it('survives 300 random corruptions of a file: a volume or a clear error, never a crash', async () => {
    const src = readFileSync(join(FIXTURES, 'dicom', 'explicit_le_oblique', 'IM0000.dcm'));
    const dir = join(root, 'fuzz');
    mkdirSync(dir);
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const outcomes = { ok: 0, format: 0, range: 0 };
    for (let t = 0; t < 300; t++) {
      const b = Buffer.from(
        src.subarray(0, rand() < 0.2 ? 132 + Math.floor(rand() * (src.length - 132)) : src.length),
      );
      const flips = 1 + Math.floor(rand() * 6);
      for (let f = 0; f < flips; f++)
        b[132 + Math.floor(rand() * (b.length - 132))] = Math.floor(rand() * 256);
      const path = join(dir, `${t}.dcm`);
      writeFileSync(path, b);
      try {
        const v = await readDicomSeries(path, { maxBytes: 1 << 20 });
        expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof FormatError) outcomes.format++;
        else if (e instanceof RangeError) outcomes.range++;
        else throw e;
      }
      rmSync(path);
    }
    expect(outcomes.ok + outcomes.format + outcomes.range).toBe(300);
    expect(outcomes.format).toBeGreaterThan(10);
  });
});

describe('transfer syntaxes', () => {
  it.each(Object.entries(REFUSED_TRANSFER_SYNTAXES).map(([uid, r]) => [uid, r.name, r.reason] as const))(
    '%s (%s) is refused by name and why',
    (uid, name, reason) => {
      const err = (() => {
        try {
          assertSupportedTransferSyntax(uid, 'x.dcm');
        } catch (e) {
          return e as UnsupportedTransferSyntaxError;
        }
      })();
      expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
      expect(err?.transferSyntaxUid).toBe(uid);
      expect(err?.message).toContain(`${uid} (${name}) cannot be decoded: ${reason}`);
    },
  );
  it('an unknown UID is refused as such; the supported ones pass', () => {
    expect(() => assertSupportedTransferSyntax('1.2.3.4', 'x.dcm')).toThrow(
      /1\.2\.3\.4 \(unknown transfer syntax\)/,
    );
    for (const uid of Object.keys(SUPPORTED_TRANSFER_SYNTAXES))
      expect(() => assertSupportedTransferSyntax(uid, 'x.dcm')).not.toThrow();
  });
});
