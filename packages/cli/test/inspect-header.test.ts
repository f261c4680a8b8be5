import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../io/test/fixtures/nifti');
const expected = JSON.parse(readFileSync(join(FIX, '../expected.json'), 'utf8')) as {
  nifti: Record<string, { affine: number[][]; shape: number[]; firstVolume?: number[] }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'deepsc-inspect-header-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// a valid NIfTI-1 header asking for 2000^3 float32 voxels (32 GB): describable, not loadable
const huge = Buffer.from(readFileSync(join(FIX, 'dtype_float32.nii')));
for (const [i, d] of [2000, 2000, 2000].entries()) huge.writeInt16LE(d, 42 + 2 * i);
const hugePath = join(tmp, 'huge.nii.gz');
writeFileSync(hugePath, gzipSync(huge));

interface Row {
  name: string;
  path: string;
  dims: number[];
  volumes: number;
  datatype: string;
  supported: boolean;
  range: 'numbers' | 'null';
  warning?: RegExp;
}

describe('deepsc inspect describes every valid NIfTI file, including those training refuses', () => {
  const rows: Row[] = [
    {
      name: 'a 3D file',
      path: join(FIX, 'dtype_int16.nii'),
      dims: [5, 4, 3],
      volumes: 1,
      datatype: 'int16',
      supported: true,
      range: 'numbers',
    },
    {
      name: 'a 4D file of two volumes (min and max of the first)',
      path: join(FIX, 'two_volumes_4d.nii'),
      dims: [5, 4, 3, 2],
      volumes: 2,
      datatype: 'int16',
      supported: true,
      range: 'numbers',
      warning: /holds 2 volumes \(dims \[5, 4, 3, 2\]\); read the first only/,
    },
    {
      name: 'an unsupported datatype (header only)',
      path: join(FIX, 'complex64.nii'),
      dims: [5, 4, 3],
      volumes: 1,
      datatype: 'complex64',
      supported: false,
      range: 'null',
      warning: /datatype 32 \(complex64\) is not supported: its voxels cannot be read/,
    },
    {
      name: 'a volume over the size limit (header only)',
      path: hugePath,
      dims: [2000, 2000, 2000],
      volumes: 1,
      datatype: 'float32',
      supported: true,
      range: 'null',
    },
  ];
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const r = await runCli('inspect', row.path);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const h = j.nifti.header;
    expect(h.dims).toEqual(row.dims);
    expect(h.volumes).toBe(row.volumes);
    expect(h.datatype).toMatchObject({ name: row.datatype, supported: row.supported });
    expect(j.datatype).toBe(row.datatype);
    expect(j.dims).toEqual(row.dims.slice(0, 3));
    expect(h.affine).toHaveLength(4);
    expect(h.units.space).toMatch(/mm|unknown/);
    if (row.range === 'numbers') {
      expect(typeof j.min).toBe('number');
      expect(typeof j.max).toBe('number');
    } else {
      expect([j.min, j.max, j.voxelType]).toEqual([null, null, null]);
    }
    if (row.warning) expect(j.warnings.join('\n')).toMatch(row.warning);
  });
  it('the header affine is the reader affine (nibabel values)', async () => {
    const j = JSON.parse((await runCli('inspect', join(FIX, 'two_volumes_4d.nii'))).out);
    const want = expected.nifti['two_volumes_4d.nii']?.affine as number[][];
    for (const [r, row] of want.entries())
      for (const [c, v] of row.entries()) expect(j.nifti.header.affine[r][c]).toBeCloseTo(v, 5);
    expect(j.affine).toEqual(j.nifti.header.affine);
  });
});
