// @deepsc/io alone, as a user runs it: reads a NIfTI-1 file written byte by byte here (not by
// @deepsc/io), a 2 x 3 x 4 float32 volume with 0.5 x 1 x 2 mm voxels and an sform; prints
// what was read as JSON.
import { writeFileSync } from 'node:fs';
import { readNifti, readVolume } from '@deepsc/io';

const [ni, nj, nk] = [2, 3, 4];
const bytes = new Uint8Array(352 + ni * nj * nk * 4);
const v = new DataView(bytes.buffer);
v.setInt32(0, 348, true); // sizeof_hdr
for (const [i, d] of [3, ni, nj, nk, 1, 1, 1, 1].entries()) v.setInt16(40 + 2 * i, d, true); // dim
v.setInt16(70, 16, true); // datatype: float32
v.setInt16(72, 32, true); // bitpix
for (const [i, p] of [1, 0.5, 1, 2, 1, 1, 1, 1].entries()) v.setFloat32(76 + 4 * i, p, true); // pixdim
v.setFloat32(108, 352, true); // vox_offset
v.setFloat32(112, 1, true); // scl_slope
v.setInt16(254, 1, true); // sform_code: scanner
const srows = [
  [0.5, 0, 0, -10],
  [0, 1, 0, 20],
  [0, 0, 2, 30],
];
for (const [r, row] of srows.entries())
  for (const [c, x] of row.entries()) v.setFloat32(280 + 16 * r + 4 * c, x, true); // srow_x/y/z
bytes.set(new TextEncoder().encode('n+1\0'), 344);
for (let i = 0; i < ni * nj * nk; i++) v.setFloat32(352 + 4 * i, i * 0.25 - 1, true);
writeFileSync('hand-made.nii', bytes);

const volume = await readNifti('hand-made.nii');
const source = await readVolume('hand-made.nii');
console.log(
  JSON.stringify({
    dims: volume.dims,
    spacing: volume.spacing,
    affine: volume.affine.flat(),
    values: Array.from(volume.data),
    format: source.format,
    sameData: Array.from(source.volume.data).every((x, i) => x === volume.data[i]),
  }),
);
