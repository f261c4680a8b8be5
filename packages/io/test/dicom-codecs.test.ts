import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../src/dicom/codecs/rle.js';
import {
  FormatError,
  listDicomSeries,
  readDicomSeries,
  SUPPORTED_TRANSFER_SYNTAXES,
  UnsupportedTransferSyntaxError,
} from '../src/index.js';
import { FIXTURES } from './support/fixtures.js';

// Fixtures: packages/io/test/fixtures/make_dicom_codec_fixtures.py (pydicom originals, compressed
// by dcmtk and gdcm; lossy ones with the tool's own decompression as reference).
const DIR = join(FIXTURES, 'dicom-codecs');
const VARIANTS = ['s16', 'u16', 'u12', 's12', 'u8'] as const;
const WHAT: Record<(typeof VARIANTS)[number], string> = {
  s16: 'signed 16-bit, odd 23x17',
  u16: 'unsigned 16-bit to 65535',
  u12: 'unsigned, 12 of 16 bits stored',
  s12: 'signed, 12 of 16 bits stored',
  u8: '8-bit, odd length (11x15)',
};
const compressed = (variant: string) =>
  readdirSync(join(DIR, variant))
    .filter((f) => f !== 'original.dcm' && !f.endsWith('.ref.dcm'))
    .map((f) => f.replace(/\.dcm$/, ''));

const lossless = VARIANTS.flatMap((v) =>
  compressed(v)
    .filter((uid) => SUPPORTED_TRANSFER_SYNTAXES[uid] && !SUPPORTED_TRANSFER_SYNTAXES[uid]?.lossy)
    .map((uid) => [v, uid, SUPPORTED_TRANSFER_SYNTAXES[uid]?.name, WHAT[v]] as const),
);
const lossy = VARIANTS.flatMap((v) =>
  compressed(v)
    .filter((uid) => SUPPORTED_TRANSFER_SYNTAXES[uid]?.lossy && uid !== '1.2.840.10008.1.2.4.51')
    .map((uid) => [v, uid, SUPPORTED_TRANSFER_SYNTAXES[uid]?.name] as const),
);

const root = mkdtempSync(join(tmpdir(), 'deepsc-dicom-codecs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compressed transfer syntaxes', () => {
  it('the fixtures cover every lossless codec for every pixel layout', () => {
    expect(lossless).toHaveLength(5 * 5);
    expect(new Set(lossy.map((c) => c[1]))).toEqual(
      new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91']),
    );
  });

  it.each(lossless)('%s %s (%s, %s) decodes bit-exact to the uncompressed original', async (v, uid) => {
    const want = await readDicomSeries(join(DIR, v, 'original.dcm'));
    const got = await readDicomSeries(join(DIR, v, `${uid}.dcm`));
    expect(got.transferSyntaxes).toEqual([uid]);
    expect(got.dims).toEqual(want.dims);
    expect(got.affine).toEqual(want.affine);
    expect(got.data.constructor).toBe(want.data.constructor);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    // the data are not trivial: both extremes of the stored range occur
    expect(new Set(got.data).size).toBeGreaterThan(50);
    expect(got.warnings.filter((w) => !/single slice/.test(w))).toEqual([]);
  });

  it.each(lossy)(
    '%s %s (%s) decodes exactly as the tool that wrote it, with a lossy warning',
    async (v, uid) => {
      const want = await readDicomSeries(join(DIR, v, `${uid}.ref.dcm`));
      const original = await readDicomSeries(join(DIR, v, 'original.dcm'));
      const got = await readDicomSeries(join(DIR, v, `${uid}.dcm`));
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
      // and it is lossy: not the original
      expect(Array.from(got.data)).not.toEqual(Array.from(original.data));
      expect(got.warnings.join()).toMatch(/went through lossy compression/);
    },
  );

  it('refuses 12-bit lossy JPEG (no 12-bit JPEG decoder) by name', async () => {
    const err = await readDicomSeries(join(DIR, 'u12', '1.2.840.10008.1.2.4.51.dcm')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((err as UnsupportedTransferSyntaxError).transferSyntaxUid).toBe('1.2.840.10008.1.2.4.51');
    expect((err as Error).message).toMatch(/12-bit lossy JPEG \(JPEG Extended.*8-bit JPEG only/);
  });

  it.each(compressed('s16').map((uid) => [uid, SUPPORTED_TRANSFER_SYNTAXES[uid]?.name] as const))(
    '%s (%s): 60 corruptions of the codestream give a volume or a FormatError, never a crash',
    async (uid) => {
      const src = readFileSync(join(DIR, 's16', `${uid}.dcm`));
      // the codestream: after the last Item tag (FFFE,E000) of the pixel data
      const at = src.lastIndexOf(Buffer.from([0xfe, 0xff, 0x00, 0xe0])) + 8;
      expect(at).toBeGreaterThan(8);
      const dir = join(root, `fuzz-${uid}`);
      mkdirSync(dir);
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let t = 0; t < 60; t++) {
        const b = Buffer.from(src);
        for (let f = 0; f < 1 + Math.floor(rand() * 8); f++)
          b[at + Math.floor(rand() * (b.length - at))] = Math.floor(rand() * 256);
        const path = join(dir, `${t}.dcm`);
        writeFileSync(path, b);
        try {
          const v = await readDicomSeries(path);
          expect(v.data.length).toBe(23 * 17);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
          expect((e as Error).message).toContain(path);
        }
      }
    },
  );
});

describe('decoder threads', () => {
  const SERIES = join(DIR, 'series');

  it.each([0, 2, 3])(
    'a 12-slice JPEG 2000 series decodes bit-exact with decodeThreads %i',
    async (threads) => {
      const want = await readDicomSeries(join(SERIES, 'raw'));
      const got = await readDicomSeries(join(SERIES, 'j2k'), { decodeThreads: threads });
      expect(got.dims).toEqual([20, 16, 12]);
      expect(got.affine).toEqual(want.affine);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    },
  );

  it('a frame that fails on a thread is a FormatError naming its file; the threads stop', async () => {
    const dir = join(root, 'threads-corrupt');
    mkdirSync(dir);
    for (const f of readdirSync(join(SERIES, 'j2k'))) {
      const b = readFileSync(join(SERIES, 'j2k', f));
      if (f === 'IM07.dcm') {
        // overwrite the SIZ marker segment that follows the start of the codestream (FF4F FF51)
        const at = b.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
        expect(at).toBeGreaterThan(0);
        b.fill(0xff, at + 4, at + 40);
      }
      writeFileSync(join(dir, f), b);
    }
    const err = await readDicomSeries(dir, { decodeThreads: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(
      /IM07\.dcm: the JPEG 2000 stream holds 0x0 pixels, the header says 20x16/,
    );
  });

  it.each([-1, 1.5, 65])('refuses decodeThreads %s (RangeError)', async (threads) => {
    await expect(readDicomSeries(join(SERIES, 'j2k'), { decodeThreads: threads })).rejects.toThrow(
      /decodeThreads must be an integer in 0\.\.64/,
    );
  });
});

describe('lazy loading', () => {
  it('no module of @deepsc/io imports a codec or dcmjs statically (they load on first use)', () => {
    const src = join(FIXTURES, '..', '..', 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(30);
    const statics = files.filter((f) =>
      /^\s*import\s[^;]*from\s+'(@cornerstonejs\/|jpeg-lossless-decoder-js|dcmjs)/m.test(
        readFileSync(join(src, f), 'utf8'),
      ),
    );
    expect(statics).toEqual([]);
    // and the codec modules themselves are reached only through load.ts's dynamic imports
    const importers = files.filter((f) =>
      /from '\.\/codecs\/(cornerstone|jpeg-lossless|rle)\.js'|from '\.\.\/codecs\/(cornerstone|jpeg-lossless|rle)\.js'/.test(
        readFileSync(join(src, f), 'utf8'),
      ),
    );
    expect(importers).toEqual([]);
  });
});

describe('RLE Lossless decoder', () => {
  const header = (offsets: number[]) => {
    const h = new Uint8Array(64);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, offsets.length, true);
    for (const [i, o] of offsets.entries()) dv.setUint32(4 + 4 * i, o, true);
    return h;
  };
  const frame = (offsets: number[], ...segments: number[][]) =>
    Uint8Array.from([...header(offsets), ...segments.flat()]);
  const spec = { rows: 2, columns: 3, bitsAllocated: 8, bitsStored: 8, signed: false, what: 'f' };

  it.each([
    ['a literal run', frame([64], [5, 1, 2, 3, 4, 5, 6]), spec, [1, 2, 3, 4, 5, 6]],
    ['a replicate run', frame([64], [-5 & 0xff, 9]), spec, [9, 9, 9, 9, 9, 9]],
    ['mixed runs and a -128 no-op', frame([64], [1, 7, 8, 0x80, -3 & 0xff, 4]), spec, [7, 8, 4, 4, 4, 4]],
    ['a pad byte after the last run', frame([64], [-5 & 0xff, 9, 0]), spec, [9, 9, 9, 9, 9, 9]],
    [
      'two byte planes, most significant first',
      frame([64, 66], [-5 & 0xff, 1], [-5 & 0xff, 2]),
      { ...spec, bitsAllocated: 16, bitsStored: 16 },
      [258, 258, 258, 258, 258, 258],
    ],
  ] as const)('%s', (_name, bytes, s, want) => {
    expect(Array.from(decodeRle(bytes, s))).toEqual(want);
  });

  it.each([
    ['a frame shorter than its header', new Uint8Array(10), spec, /shorter than its 64-byte header/],
    [
      'a segment count that does not fit the pixels',
      frame([64, 66], [1], [1]),
      spec,
      /2 segment\(s\); 1 expected/,
    ],
    ['a segment offset beyond the frame', frame([500], [1]), spec, /segment 1 offset 500 lies outside/],
    ['a segment offset inside the header', frame([10], [1]), spec, /segment 1 offset 10 lies outside/],
    [
      'a segment that decodes short',
      frame([64], [-3 & 0xff, 9]),
      spec,
      /decodes to 4 bytes; the 3x2 frame needs 6/,
    ],
  ] as const)('%s is a FormatError', (_name, bytes, s, message) => {
    expect(() => decodeRle(bytes, s)).toThrow(FormatError);
    expect(() => decodeRle(bytes, s)).toThrow(message);
  });
});

const expectedMultiframe = JSON.parse(readFileSync(join(FIXTURES, 'expected-codecs.json'), 'utf8')) as Record<
  string,
  { shape: number[]; affine: number[][]; data: number[]; sopClass: string }
>;

describe('multi-frame (Enhanced and Legacy Converted Enhanced CT)', () => {
  it.each([
    ['enhanced_ct', 'enhanced_ct', 'Enhanced CT, frames out of order, rescale per frame', []],
    ['legacy_ct', 'legacy_ct', 'Legacy Converted Enhanced CT, shared rescale', []],
    ['enhanced_ct_j2k', 'enhanced_ct', 'the Enhanced CT compressed by gdcmconv --j2k', []],
    [
      'enhanced_mr',
      'enhanced_mr',
      'Enhanced MR, no rescale',
      [/modality MR; values are rescaled but are not Hounsfield units/],
    ],
  ] as const)(
    '%s (%s): voxels and affine match the numpy reference (%s)',
    async (file, ref, _what, warnings) => {
      const want = expectedMultiframe[ref]!;
      const v = await readDicomSeries(join(DIR, 'multiframe', `${file}.dcm`));
      expect([...v.dims]).toEqual(want.shape);
      for (const [r, row] of want.affine.entries())
        for (const [c, x] of row.entries()) expect(v.affine[r]?.[c]).toBeCloseTo(x, 5);
      expect(Array.from(v.data)).toEqual(want.data);
      expect(v.warnings).toHaveLength(warnings.length);
      for (const [i, w] of warnings.entries()) expect(v.warnings[i]).toMatch(w);
      expect(v.files).toHaveLength(1);
      expect(v.slices.map((s) => s.frame)).toEqual([1, 3, 4, 0, 2]);
    },
  );

  it('survives 200 random corruptions of an Enhanced CT file (functional groups included): a volume or a FormatError', async () => {
    const src = readFileSync(join(DIR, 'multiframe', 'enhanced_ct.dcm'));
    const dir = join(root, 'fuzz-enhanced');
    mkdirSync(dir);
    let seed = 5;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const outcomes = { ok: 0, format: 0, range: 0 };
    for (let t = 0; t < 200; t++) {
      const b = Buffer.from(
        src.subarray(0, rand() < 0.2 ? 132 + Math.floor(rand() * (src.length - 132)) : src.length),
      );
      for (let f = 0; f < 1 + Math.floor(rand() * 6); f++)
        b[132 + Math.floor(rand() * (b.length - 132))] = Math.floor(rand() * 256);
      const path = join(dir, `${t}.dcm`);
      writeFileSync(path, b);
      try {
        const v = await readDicomSeries(path, { maxBytes: 1 << 22 });
        expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof FormatError) outcomes.format++;
        else if (e instanceof RangeError) outcomes.range++;
        else throw e;
      }
    }
    expect(outcomes.format).toBeGreaterThan(20);
  });

  it('a missing frame is found like a missing slice, naming the frames', async () => {
    const path = join(DIR, 'multiframe', 'enhanced_ct_missing_frame.dcm');
    await expect(readDicomSeries(path)).rejects.toThrow(
      /1 missing slice\(s\) between .*missing_frame\.dcm frame 1 and .*missing_frame\.dcm frame 5 \(gap 5\.000 mm, spacing 2\.500 mm\)/,
    );
    const v = await readDicomSeries(path, { unevenSpacing: 'warn' });
    expect(v.dims[2]).toBe(5);
    expect(v.warnings.join()).toMatch(/missing slice.*mean spacing/);
  });

  it('lists a multi-frame file as one file of N frames', async () => {
    const list = await listDicomSeries(join(DIR, 'multiframe'));
    // enhanced_ct.dcm and its JPEG 2000 copy share a series; legacy, MR and missing-frame are their own
    expect(list.map((s) => [s.files, s.frames]).sort()).toEqual([
      [1, 5],
      [1, 5],
      [1, 5],
      [2, 10],
    ]);
    const enhanced = list.find((s) => s.files === 2);
    expect([...(enhanced?.transferSyntaxes ?? [])].sort()).toEqual([
      '1.2.840.10008.1.2.1',
      '1.2.840.10008.1.2.4.90',
    ]);
    expect(enhanced?.sopClasses).toEqual(['1.2.840.10008.5.1.4.1.1.2.1']);
  });
});
