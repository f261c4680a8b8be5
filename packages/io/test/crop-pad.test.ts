import { describe, expect, it } from 'vitest';
import { centerCropOrPad, cropMask, cropOrPad, maskVolume, padVolume } from '../src/preprocess/crop-pad.js';
import { cropToMask, maskBoundingBox, maskCropBox } from '../src/preprocess/crop-to-mask.js';
import { type Affine, createVolume, voxelToWorld } from '../src/volume.js';

type V3 = [number, number, number];
const affine: Affine = [
  [-0.8, 0, 0.1, 50],
  [0, 0.9, 0, -20],
  [0.05, 0, 2, 10],
  [0, 0, 0, 1],
];
const dims: V3 = [6, 5, 4];
const data = Int16Array.from({ length: 120 }, (_, o) => o);
const vol = createVolume(data, dims, affine);
const at = (i: number, j: number, k: number) => i + 6 * (j + 5 * k);

describe('cropOrPad keeps voxel values at their world positions', () => {
  it.each([
    { name: 'inner crop', start: [1, 1, 1] as V3, size: [3, 2, 2] as V3 },
    { name: 'crop past the high end (pads)', start: [4, 3, 2] as V3, size: [4, 4, 4] as V3 },
    { name: 'crop before the low end (pads)', start: [-2, -1, -3] as V3, size: [5, 4, 5] as V3 },
    { name: 'fully outside (all padding)', start: [10, 10, 10] as V3, size: [2, 2, 2] as V3 },
  ])('$name', ({ start, size }) => {
    const out = cropOrPad(vol, { start, size }, -1024);
    expect(out.dims).toEqual(size);
    expect(out.data).toBeInstanceOf(Int16Array);
    for (let k = 0; k < size[2]; k++)
      for (let j = 0; j < size[1]; j++)
        for (let i = 0; i < size[0]; i++) {
          const [si, sj, sk] = [i + start[0], j + start[1], k + start[2]];
          const inside = si >= 0 && sj >= 0 && sk >= 0 && si < 6 && sj < 5 && sk < 4;
          expect(out.data[i + size[0] * (j + size[1] * k)]).toBe(inside ? at(si, sj, sk) : -1024);
          const w0 = voxelToWorld(affine, si, sj, sk);
          const w1 = voxelToWorld(out.affine, i, j, k);
          w0.forEach((c, a) => {
            expect(w1[a]).toBeCloseTo(c, 9);
          });
        }
  });
  it('padVolume adds the padding on each side and keeps world positions', () => {
    const out = padVolume(vol, [1, 0, 2], [0, 3, 1], 7);
    expect(out.dims).toEqual([7, 8, 7]);
    expect(out.data[0]).toBe(7);
    expect(out.data[1 + 7 * (0 + 8 * 2)]).toBe(at(0, 0, 0));
    const w = voxelToWorld(out.affine, 1, 0, 2);
    voxelToWorld(affine, 0, 0, 0).forEach((c, a) => {
      expect(w[a]).toBeCloseTo(c, 9);
    });
  });
  it('centerCropOrPad centres the content', () => {
    const out = centerCropOrPad(vol, [4, 7, 4]);
    expect(out.dims).toEqual([4, 7, 4]);
    expect(out.data[0 + 4 * 1]).toBe(at(1, 0, 0));
  });
  it.each([
    ['a fractional start', () => cropOrPad(vol, { start: [0.5, 0, 0], size: [1, 1, 1] })],
    ['a zero size', () => cropOrPad(vol, { start: [0, 0, 0], size: [1, 0, 1] })],
    ['negative padding', () => padVolume(vol, [-1, 0, 0], [0, 0, 0])],
  ])('%s throws a RangeError', (_, f) => expect(f).toThrow(RangeError));
});

describe('cropping to a mask', () => {
  const m = new Uint8Array(120);
  m[at(2, 1, 1)] = 1;
  m[at(3, 3, 2)] = 2;
  const mask = createVolume(m, dims, affine);
  it('finds the bounding box', () => {
    expect(maskBoundingBox(mask)).toEqual({ start: [2, 1, 1], size: [2, 3, 2] });
    expect(maskBoundingBox(createVolume(new Uint8Array(120), dims))).toBeUndefined();
  });
  it.each([
    { margin: 0, start: [2, 1, 1], size: [2, 3, 2] },
    { margin: 0.8, start: [1, 0, 0], size: [4, 5, 4] },
    { margin: 2, start: [0, 0, 0], size: [6, 5, 4] },
  ])('margin $margin mm (converted with the spacing, clipped to the volume)', ({ margin, start, size }) => {
    expect(maskCropBox(mask, margin)).toEqual({ start, size });
  });
  it('crops every volume alike and keeps world positions', () => {
    const { volumes, box } = cropToMask([vol, vol], mask, 0);
    expect(volumes[0]?.data[0]).toBe(at(2, 1, 1));
    const w = voxelToWorld(volumes[1]!.affine, 0, 0, 0);
    voxelToWorld(affine, ...box.start).forEach((c, a) => {
      expect(w[a]).toBeCloseTo(c, 9);
    });
  });
  it('an empty mask is an error that says so', () => {
    expect(() => maskCropBox(createVolume(new Uint8Array(120), dims), 5)).toThrow(/empty/);
    expect(() => cropToMask([createVolume(new Uint8Array(8), [2, 2, 2])], mask)).toThrow(/dims/);
  });
});

describe('masks on a grid: maskVolume and cropMask', () => {
  // 2 x 2 x 2 grid; voxel o holds values[o]
  const values = [0, 3, -1, 0.5, 0, 0, 2, 0];
  it.each([
    { name: 'a plain array (copied to Float32Array)', data: values, type: Float32Array },
    {
      name: 'a Uint8Array (used as it is)',
      data: Uint8Array.from([0, 3, 0, 1, 0, 0, 2, 0]),
      type: Uint8Array,
    },
    { name: 'a Float32Array (used as it is)', data: Float32Array.from(values), type: Float32Array },
  ])('maskVolume takes $name', ({ data, type }) => {
    const v = maskVolume(data, [2, 2, 2]);
    expect(v.data).toBeInstanceOf(type);
    expect(Array.from(v.data)).toEqual(Array.from(data));
    if (ArrayBuffer.isView(data)) expect(v.data).toBe(data);
  });
  it('maskVolume refuses data that does not fill the grid', () => {
    expect(() => maskVolume([1, 2, 3], [2, 2, 2])).toThrow(/3 voxels do not match dims \[2, 2, 2\]/);
  });
  it.each([
    { name: 'the whole grid', box: { start: [0, 0, 0], size: [2, 2, 2] }, want: [0, 1, 0, 1, 0, 0, 1, 0] },
    { name: 'one k plane', box: { start: [0, 0, 1], size: [2, 2, 1] }, want: [0, 0, 1, 0] },
    {
      name: 'a box reaching outside (padding is 0)',
      box: { start: [1, 1, 1], size: [2, 1, 1] },
      want: [0, 0],
    },
    { name: 'a box starting before the grid', box: { start: [-1, 0, 0], size: [2, 1, 1] }, want: [0, 0] },
    { name: 'voxel (1, 0, 0)', box: { start: [1, 0, 0], size: [1, 1, 1] }, want: [1] },
  ] as const)('cropMask of $name: 1 where > 0, else 0', ({ box, want }) => {
    const out = cropMask(maskVolume(values, [2, 2, 2]), box);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual(want);
  });
});
