import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createVolume,
  encodeNifti,
  FormatError,
  gunzipBoundedSync,
  parseNifti,
  scaledAffine,
  UnsupportedDatatypeError,
} from '../src/index.js';

const base1 = encodeNifti(
  createVolume(
    new Int16Array(4 * 3 * 2).map((_, i) => i - 10),
    [4, 3, 2],
    scaledAffine([1, 1, 2]),
  ),
);
const base2 = encodeNifti(createVolume(new Float32Array(4 * 3 * 2), [4, 3, 2]), { version: 2 });

/** A copy of `bytes` with `edit` applied through a little-endian DataView. */
function patch(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  edit(new DataView(b.buffer), b);
  return b;
}

type Case = readonly [
  string,
  Uint8Array,
  (new (...a: never[]) => Error) | typeof RangeError,
  RegExp,
  number?,
];

const cases: Case[] = [
  ['empty input', new Uint8Array(0), FormatError, /too short/],
  ['3 bytes', new Uint8Array([1, 2, 3]), FormatError, /too short/],
  ['truncated NIfTI-1 header', base1.subarray(0, 200), FormatError, /truncated NIfTI-1 header \(200 of 348/],
  ['truncated NIfTI-2 header', base2.subarray(0, 300), FormatError, /truncated NIfTI-2 header/],
  [
    'not NIfTI (text)',
    new TextEncoder().encode('hello world, this is not an image'.repeat(20)),
    FormatError,
    /sizeof_hdr/,
  ],
  [
    'bad NIfTI-1 magic',
    patch(base1, (_, b) => b.set([0x78, 0x2b, 0x31, 0], 344)),
    FormatError,
    /bad NIfTI-1 magic/,
  ],
  [
    'bad NIfTI-2 magic',
    patch(base2, (_, b) => b.set([0x6e, 0x2b, 0x32, 0, 0, 0, 0, 0], 4)),
    FormatError,
    /bad NIfTI-2 magic/,
  ],
  ['.hdr/.img pair header', patch(base1, (_, b) => b.set([0x6e, 0x69, 0x31, 0], 344)), FormatError, /pair/],
  ['dim[0] = 0', patch(base1, (dv) => dv.setInt16(40, 0, true)), FormatError, /dim\[0\] is 0/],
  ['dim[0] = 9', patch(base1, (dv) => dv.setInt16(40, 9, true)), FormatError, /dim\[0\] is 9/],
  ['negative dim', patch(base1, (dv) => dv.setInt16(44, -3, true)), FormatError, /dim\[2\] is -3/],
  ['zero dim', patch(base1, (dv) => dv.setInt16(46, 0, true)), FormatError, /dim\[3\] is 0/],
  [
    'absurd NIfTI-1 dims (32767^3 float64, 281 TB)',
    patch(base1, (dv) => {
      for (const o of [42, 44, 46]) dv.setInt16(o, 32767, true);
      dv.setInt16(70, 64, true);
      dv.setInt16(72, 64, true);
    }),
    RangeError,
    /dims \[32767, 32767, 32767\] of float64 need 281\d{12} bytes, more than maxBytes/,
  ],
  [
    'absurd NIfTI-2 dims (2^40 voxels)',
    patch(base2, (dv) => {
      dv.setBigInt64(24, 2n ** 20n, true);
      dv.setBigInt64(32, 2n ** 20n, true);
    }),
    RangeError,
    /more than maxBytes/,
  ],
  [
    'NIfTI-2 dims whose product overflows 2^53',
    patch(base2, (dv) => {
      for (const o of [24, 32, 40]) dv.setBigInt64(o, 2n ** 40n, true);
    }),
    RangeError,
    /overflow/,
  ],
  [
    'NIfTI-2 dim beyond 2^53',
    patch(base2, (dv) => dv.setBigInt64(24, 2n ** 60n, true)),
    RangeError,
    /dim\[1\] .* out of range/,
  ],
  [
    '4D with 1000 volumes',
    patch(base1, (dv) => {
      dv.setInt16(40, 4, true);
      dv.setInt16(48, 1000, true);
    }),
    FormatError,
    /holds 1000 volumes/,
  ],
  [
    'vox_offset beyond the end',
    patch(base1, (dv) => dv.setFloat32(108, 1e6, true)),
    FormatError,
    /truncated: the header promises 48 bytes of voxels at offset 1000000/,
  ],
  [
    'vox_offset inside the header',
    patch(base1, (dv) => dv.setFloat32(108, 100, true)),
    FormatError,
    /vox_offset 100 is not valid/,
  ],
  [
    'vox_offset NaN',
    patch(base1, (dv) => dv.setFloat32(108, Number.NaN, true)),
    FormatError,
    /vox_offset NaN/,
  ],
  [
    'vox_offset fractional',
    patch(base1, (dv) => dv.setFloat32(108, 352.5, true)),
    FormatError,
    /vox_offset 352.5/,
  ],
  [
    'NIfTI-2 vox_offset negative',
    patch(base2, (dv) => dv.setBigInt64(168, -5n, true)),
    FormatError,
    /vox_offset -5/,
  ],
  ['truncated voxels', base1.subarray(0, base1.length - 7), FormatError, /truncated.*41 after it/],
  ['dims larger than the data', patch(base1, (dv) => dv.setInt16(46, 200, true)), FormatError, /truncated/],
  [
    'complex64 datatype',
    patch(base1, (dv) => dv.setInt16(70, 32, true)),
    UnsupportedDatatypeError,
    /datatype 32 \(complex64\)/,
  ],
  [
    'int64 datatype',
    patch(base1, (dv) => dv.setInt16(70, 1024, true)),
    UnsupportedDatatypeError,
    /datatype 1024 \(int64\)/,
  ],
  [
    'unknown datatype',
    patch(base1, (dv) => dv.setInt16(70, 9999, true)),
    UnsupportedDatatypeError,
    /9999 \(not a NIfTI datatype\)/,
  ],
  [
    'slope valid, intercept infinite',
    patch(base1, (dv) => {
      dv.setFloat32(112, 2, true);
      dv.setFloat32(116, Number.POSITIVE_INFINITY, true);
    }),
    FormatError,
    /scl_inter is Infinity/,
  ],
  [
    'qform quaternion longer than 1',
    patch(base1, (dv) => {
      dv.setInt16(254, 0, true);
      dv.setFloat32(256, 0.9, true);
      dv.setFloat32(260, 0.9, true);
    }),
    FormatError,
    /not a rotation/,
  ],
  [
    'qform quaternion NaN',
    patch(base1, (dv) => {
      dv.setInt16(254, 0, true);
      dv.setFloat32(256, Number.NaN, true);
    }),
    FormatError,
    /not a rotation/,
  ],
  [
    'pixdim infinite',
    patch(base1, (dv) => dv.setFloat32(80, Number.POSITIVE_INFINITY, true)),
    FormatError,
    /pixdim\[1\] is Infinity/,
  ],
  [
    'broken gzip (corrupt deflate data)',
    patch(gzipSync(base1), (_, b) => b.fill(0xff, 20, 40)),
    FormatError,
    /corrupt or truncated gzip/,
  ],
  ['truncated gzip', gzipSync(base1).subarray(0, 60), FormatError, /corrupt or truncated gzip/],
  [
    'gzip bomb that is not NIfTI (refused after its first 4 bytes)',
    gzipSync(new Uint8Array(8 << 20)),
    FormatError,
    /not a NIfTI file \(sizeof_hdr is 0/,
  ],
  ['file larger than maxBytes', base1, RangeError, /exceed maxBytes 100/, 100],
];

describe('NIfTI parser on hostile input', () => {
  it.each(cases.map((c) => [c[0], c] as const))('%s', async (_name, c) => {
    const [, bytes, type, message, maxBytes] = c;
    const err = await parseNifti(bytes, maxBytes === undefined ? {} : { maxBytes }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });

  it('repairs what nibabel repairs, with a warning each', async () => {
    const bytes = patch(base1, (dv) => {
      dv.setFloat32(76, 0, true); // qfac 0 -> 1
      dv.setFloat32(84, -2, true); // pixdim[2] -2 -> 2
      dv.setInt16(252, 77, true); // qform_code 77 -> 0
      dv.setInt16(72, 8, true); // bitpix 8 for int16 -> 16
    });
    const v = await parseNifti(bytes);
    expect(v.warnings).toHaveLength(4);
    for (const re of [
      /qfac \(pixdim\[0\]\) is 0.*set to 1/,
      /pixdim\[2\] is -2/,
      /qform_code 77 is not valid/,
      /bitpix 8 does not match/,
    ]) {
      expect(
        v.warnings.some((w) => re.test(w)),
        String(re),
      ).toBe(true);
    }
    expect(v.header.pixdim.slice(0, 4)).toEqual([1, 1, 2, 2]);
  });

  it('falls back to the qform when the sform is singular, with a warning', async () => {
    const bytes = patch(base1, (dv) => {
      for (let o = 280; o < 328; o += 4) dv.setFloat32(o, 0, true);
    });
    const v = await parseNifti(bytes);
    expect(v.affineSource).toBe('qform');
    expect(v.warnings.join()).toMatch(/sform is singular/);
  });

  it('survives 2000 random header corruptions: a volume or a clear error, never a crash', async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const outcomes = { ok: 0, format: 0, range: 0 };
    for (let t = 0; t < 2000; t++) {
      const src = t % 2 ? base1 : base2;
      const b = src.slice(0, rand() < 0.1 ? Math.floor(rand() * src.length) : src.length);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++)
        b[Math.floor(rand() * Math.min(b.length, 560))] = Math.floor(rand() * 256);
      try {
        const v = await parseNifti(b, { maxBytes: 1 << 20 });
        expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof FormatError) outcomes.format++;
        else if (e instanceof RangeError) outcomes.range++;
        else throw e;
      }
    }
    expect(outcomes.ok + outcomes.format + outcomes.range).toBe(2000);
    expect(outcomes.format).toBeGreaterThan(100);
  });

  it('bounded gunzip passes data under the limit through', () => {
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    expect(gunzipBoundedSync(gzipSync(data), 5000)).toEqual(data);
    expect(() => gunzipBoundedSync(gzipSync(data), 4999)).toThrow(RangeError);
    expect(() => gunzipBoundedSync(gzipSync(data), 0)).toThrow(/maxBytes must be a positive/);
  });
});
