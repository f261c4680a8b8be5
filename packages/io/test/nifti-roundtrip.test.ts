import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Affine,
  createVolume,
  encodeNifti,
  NIFTI_DATATYPES,
  type NiftiDatatypeName,
  parseNifti,
  readNifti,
  writeNifti,
} from '../src/index.js';
import { FIXTURES, maxAbsDiff } from './support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'deepsc-nifti-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oblique: Affine = [
  [0.6578, -0.2394, 0.1, -85.5],
  [0.2394, 0.6578, -0.05, 112.25],
  [-0.05, 0.1, 2.4975, -40],
  [0, 0, 0, 1],
];

/** Seeded values covering each type's range ends. */
function values(name: NiftiDatatypeName, n: number): ArrayLike<number> {
  const limits: Record<NiftiDatatypeName, [number, number]> = {
    uint8: [0, 255],
    int8: [-128, 127],
    int16: [-32768, 32767],
    uint16: [0, 65535],
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1],
    float32: [-3e38, 3e38],
    float64: [-1e300, 1e300],
  };
  const [lo, hi] = limits[name];
  let s = 12345;
  const out: number[] = [lo, hi];
  while (out.length < n) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const u = s / 2 ** 31;
    out.push(name.startsWith('float') ? (u - 0.5) * 2000 : Math.floor(lo + u * (hi - lo)));
  }
  return out;
}

const cases = (Object.keys(NIFTI_DATATYPES) as NiftiDatatypeName[]).flatMap((dt) =>
  ([1, 2] as const).flatMap((version) =>
    (['.nii', '.nii.gz'] as const).map((ext) => [dt, version, ext] as const),
  ),
);

describe('NIfTI write -> read round trips', () => {
  it.each(cases)('%s, NIfTI-%i, %s: voxels exact, affine kept', async (dt, version, ext) => {
    const dims = [7, 5, 3] as const;
    const data = new NIFTI_DATATYPES[dt].array(7 * 5 * 3);
    data.set(values(dt, data.length));
    const v = createVolume(data, dims, oblique);
    const path = join(dir, `${dt}-${version}${ext}`);
    await writeNifti(path, v, { version });
    const back = await readNifti(path);
    expect(back.header.version).toBe(version);
    expect(back.data).toBeInstanceOf(data.constructor);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect([...back.dims]).toEqual([...dims]);
    // NIfTI-1 stores the sform as float32, NIfTI-2 as float64.
    expect(maxAbsDiff(back.affine, oblique)).toBeLessThan(version === 1 ? 2e-5 : 1e-12);
    expect(back.affineSource).toBe('sform');
    expect(back.warnings).toEqual([]);
  });

  it('buffer-level encode/parse agree with the file functions, gzip detected from the bytes', async () => {
    const v = createVolume(new Int16Array([1, -2, 3, -4, 5, -6]), [3, 2, 1], oblique);
    for (const compression of ['none', 'gzip'] as const) {
      const back = await parseNifti(encodeNifti(v, { compression, version: 2 }));
      expect(Array.from(back.data)).toEqual([1, -2, 3, -4, 5, -6]);
      expect(maxAbsDiff(back.affine, oblique)).toBeLessThan(1e-12);
    }
  });

  const rigid: readonly (readonly [string, Affine])[] = [
    [
      'permuted axes',
      [
        [0, 0, -2, 10],
        [0, 1.5, 0, 20],
        [0.5, 0, 0, -5],
        [0, 0, 0, 1],
      ],
    ],
    [
      'LPS (negative determinant, qfac -1)',
      [
        [-0.8, 0, 0, 120],
        [0, -0.7, 0, 95.5],
        [0, 0, 2.5, -200],
        [0, 0, 0, 1],
      ],
    ],
    [
      'oblique, 180 degree rotation',
      [
        [-0.7, 0, 0, 1],
        [0, -0.7, 0, 2],
        [0, 0, 1.25, 3],
        [0, 0, 0, 1],
      ],
    ],
    [
      'oblique rotation about two axes',
      [
        [0.9396926, -0.3213938 * 0.8, 0.1169778 * 2, -85.5],
        [0.3420201, 0.8830222 * 0.8, -0.3213938 * 2, 112.25],
        [0, 0.3420201 * 0.8, 0.9396926 * 2, -40],
        [0, 0, 0, 1],
      ],
    ],
  ];
  it.each(rigid)('the qform written beside the sform gives the same affine (%s)', async (_name, affine) => {
    const v = createVolume(new Float32Array(8), [2, 2, 2], affine);
    const back = await parseNifti(encodeNifti(v, { version: 2, header: { sformCode: 0 } }));
    expect(back.affineSource).toBe('qform');
    expect(maxAbsDiff(back.affine, v.affine)).toBeLessThan(1e-6);
  });

  it('keeps the original header fields when writing back a read volume', async () => {
    const src = await readNifti(join(FIXTURES, 'nifti', 'scaled_int16.nii.gz'));
    const path = join(dir, 'kept.nii.gz');
    await writeNifti(path, src);
    const back = await readNifti(path);
    for (const key of [
      'descrip',
      'intentCode',
      'intentName',
      'xyztUnits',
      'calMin',
      'calMax',
      'sformCode',
    ] as const) {
      expect(back.header[key], key).toEqual(src.header[key]);
    }
    // the source had no qform (code 0); the writer always stores the affine in both forms
    expect([src.header.qformCode, back.header.qformCode]).toEqual([0, 1]);
    expect(Buffer.from(back.header.extensions).toString('latin1')).toContain('kept on write');
    expect(back.header.extensions).toEqual(src.header.extensions);
    // scaled data was written as float32 with no scaling; values identical
    expect(back.header.sclSlope).toBe(1);
    expect(Array.from(back.data)).toEqual(Array.from(src.data));
    expect(maxAbsDiff(back.affine, src.affine)).toBeLessThan(1e-9);
  });

  it('keeps scl_slope / scl_inter when writing back a volume read raw', async () => {
    const src = await readNifti(join(FIXTURES, 'nifti', 'scaled_int16.nii.gz'), { scaling: 'raw' });
    const back = await parseNifti(encodeNifti(src));
    expect([back.header.sclSlope, back.header.sclInter]).toEqual([2.5, -1024]);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(back.data[0]).toBe((src.data[0] as number) * 2.5 - 1024);
  });

  it('options.header overrides fields; structural fields always follow the volume', async () => {
    const v = createVolume(new Uint8Array(8), [2, 2, 2]);
    const back = await parseNifti(
      encodeNifti(v, { header: { descrip: 'hello', intentCode: 1002, datatype: 64, dim: [3, 9, 9, 9] } }),
    );
    expect(back.header.descrip).toBe('hello');
    expect(back.header.intentCode).toBe(1002);
    expect(back.header.datatype).toBe(2);
    expect([...back.dims]).toEqual([2, 2, 2]);
  });

  it('refuses dims over 32767 in NIfTI-1 and asks for version 2', async () => {
    const v = createVolume(new Uint8Array(40000), [40000, 1, 1]);
    expect(() => encodeNifti(v, { version: 1 })).toThrow(/32767; write version 2/);
    expect((await parseNifti(encodeNifti(v, { version: 2 }))).dims[0]).toBe(40000);
  });
});

describe('atomic writes', () => {
  it('leaves no temporary file behind, and an existing file intact when the write fails', async () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'a.nii');
    const v = createVolume(new Uint8Array([1, 2]), [2, 1, 1]);
    await writeNifti(path, v);
    await writeNifti(path, createVolume(new Uint8Array([3, 4]), [2, 1, 1]));
    expect(Array.from((await readNifti(path)).data)).toEqual([3, 4]);
    // a directory in the way of the rename: the write fails, the temp file is removed
    const blocked = join(sub, 'blocked.nii');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(blocked, 'x'), { recursive: true }));
    await expect(writeNifti(blocked, v)).rejects.toThrow();
    await expect(writeNifti(join(sub, 'missing', 'b.nii'), v)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(sub).sort()).toEqual(['a.nii', 'blocked.nii']);
  });
});
