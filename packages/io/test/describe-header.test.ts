import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createVolume,
  describeNiftiHeader,
  encodeNifti,
  type NiftiHeaderDescription,
  parseNiftiHeader,
  readNiftiHeader,
} from '../src/index.js';
import { FIXTURES } from './support/fixtures.js';

const nifti = (name: string) => join(FIXTURES, 'nifti', name);
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')).nifti as Record<
  string,
  { affine: number[][] }
>;

/** A small NIfTI-1 header with `edit` applied through a little-endian DataView. */
const edited = (edit: (dv: DataView) => void) => {
  const b = encodeNifti(createVolume(new Int16Array(24), [4, 3, 2])).slice();
  edit(new DataView(b.buffer));
  return describeNiftiHeader(parseNiftiHeader(b), 'x.nii');
};

describe('describeNiftiHeader', () => {
  it.each<[string, string, Partial<NiftiHeaderDescription>, RegExp?]>([
    [
      '4D: every dim and the volume count',
      'two_volumes_4d.nii',
      { dims: [5, 4, 3, 2], volumes: 2, affineSource: 'sform' },
      /holds 2 volumes \(dims \[5, 4, 3, 2\]\)/,
    ],
    [
      'an unsupported datatype, named',
      'complex64.nii',
      { datatype: { code: 32, name: 'complex64', bitpix: 64, supported: false }, volumes: 1 },
      /datatype 32 \(complex64\) is not supported/,
    ],
    ['scaling that changes values', 'scaled_int16.nii.gz', { scaling: { slope: 2.5, inter: -1024 } }],
    [
      'the qform when there is no sform',
      'qform_only.nii',
      { affineSource: 'qform', qformCode: 1, sformCode: 0 },
    ],
    ['the base affine when there is no xform', 'no_xform.nii', { affineSource: 'base', scaling: null }],
    ['big-endian', 'big_endian.nii', { byteOrder: 'big', version: 1 }],
    ['NIfTI-2', 'nifti2.nii.gz', { version: 2, dims: [5, 4, 3] }],
  ])('%s', async (_name, file, want, warning) => {
    const d = describeNiftiHeader(await readNiftiHeader(nifti(file)), file);
    expect(d).toMatchObject(want);
    for (const [r, row] of (expected[file]?.affine ?? []).entries())
      for (const [c, v] of row.entries()) expect(d.affine?.[r]?.[c]).toBeCloseTo(v, 4);
    if (warning) expect(d.warnings.join('\n')).toMatch(warning);
    else expect(d.warnings).toEqual([]);
  });
  it.each<[string, (dv: DataView) => void, Partial<NiftiHeaderDescription>, RegExp]>([
    ['no valid dim[0]', (dv) => dv.setInt16(40, 0, true), { dims: [], volumes: 1 }, /dim\[0\] is 0/],
    [
      'a qform that is not a rotation (no affine, said why)',
      (dv) => {
        dv.setInt16(254, 0, true); // no sform
        dv.setInt16(252, 1, true);
        dv.setFloat32(256, 2, true); // quaternion b = 2
      },
      { affine: null, affineSource: null, axisCodes: null },
      /x\.nii: qform quaternion \(b, c, d\) = \(2, 0, 0\) is not a rotation/,
    ],
    [
      'units of metres and milliseconds',
      (dv) => {
        dv.setUint8(123, 1 | 16);
      },
      { units: { space: 'm', time: 'ms' } },
      /^$/,
    ],
  ])('%s', (_name, edit, want, warning) => {
    const d = edited(edit);
    expect(d).toMatchObject(want);
    expect(d.warnings.join('\n')).toMatch(warning);
  });
});
