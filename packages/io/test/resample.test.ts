import { describe, expect, it } from 'vitest';
import { applyAffine, invertAffine } from '../src/preprocess/affine-math.js';
import { resampleToShape, resampleToSpacing } from '../src/preprocess/resample.js';
import { resampleToGrid } from '../src/preprocess/warp.js';
import { type Affine, createVolume, type Volume, voxelToWorld } from '../src/volume.js';

type V3 = [number, number, number];
const oblique: Affine = [
  [-0.7, 0.1, 0, 90],
  [0.05, -0.8, 0.2, 100],
  [0, 0.1, 2.5, -40],
  [0, 0, 0, 1],
];
const diag: Affine = [
  [2, 0, 0, -10],
  [0, 1.5, 0, 5],
  [0, 0, 3, 7],
  [0, 0, 0, 1],
];

/** An image whose value is a linear function of the world position: trilinear sampling reproduces it exactly. */
function linearImage(dims: V3, affine: Affine): Volume<Float32Array> {
  const d = new Float32Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const [x, y, z] = voxelToWorld(affine, i, j, k);
        d[o++] = 0.5 * x - 0.25 * y + 0.1 * z;
      }
  return createVolume(d, dims, affine);
}

describe('resampling keeps world positions of voxel centres', () => {
  const cases: { name: string; dims: V3; affine: Affine; run: (v: Volume<Float32Array>) => Volume }[] = [
    {
      name: 'to a finer spacing',
      dims: [12, 10, 6],
      affine: diag,
      run: (v) => resampleToSpacing(v, [1, 1, 1]),
    },
    {
      name: 'to a coarser spacing',
      dims: [12, 10, 6],
      affine: diag,
      run: (v) => resampleToSpacing(v, [3, 2.5, 4]),
    },
    {
      name: 'to a shape, oblique affine',
      dims: [9, 11, 5],
      affine: oblique,
      run: (v) => resampleToShape(v, [16, 7, 9]),
    },
    {
      name: 'to the same shape (identity)',
      dims: [6, 6, 6],
      affine: oblique,
      run: (v) => resampleToShape(v, [6, 6, 6]),
    },
  ];
  it.each(cases)('$name', ({ dims, affine, run }) => {
    const src = linearImage(dims, affine);
    const out = run(src);
    const toSrc = invertAffine(affine);
    let checked = 0;
    for (let k = 0; k < out.dims[2]; k++)
      for (let j = 0; j < out.dims[1]; j++)
        for (let i = 0; i < out.dims[0]; i++) {
          const w = voxelToWorld(out.affine, i, j, k);
          const p = applyAffine(toSrc, w);
          // interior: no edge clamping involved
          if (p.some((c, a) => c < 0 || c > (dims[a] as number) - 1)) continue;
          const want = 0.5 * w[0] - 0.25 * w[1] + 0.1 * w[2];
          expect(out.data[i + out.dims[0] * (j + out.dims[1] * k)]).toBeCloseTo(want, 3);
          checked++;
        }
    expect(checked).toBeGreaterThan(10);
  });
  it('the field of view is kept: dims x spacing are equal and the centre does not move', () => {
    const v = linearImage([12, 10, 6], diag);
    const out = resampleToSpacing(v, [1, 1, 1]);
    expect(out.dims).toEqual([24, 15, 18]);
    expect(out.spacing.map((s) => +s.toFixed(9))).toEqual([1, 1, 1]);
    const c0 = voxelToWorld(v.affine, 5.5, 4.5, 2.5);
    const c1 = voxelToWorld(out.affine, 11.5, 7, 8.5);
    c0.forEach((c, a) => {
      expect(c1[a]).toBeCloseTo(c, 9);
    });
  });
});

describe('nearest-neighbour resampling of labels', () => {
  it.each([{ to: [20, 20, 20] as V3 }, { to: [5, 3, 7] as V3 }, { to: [13, 9, 4] as V3 }])(
    'keeps label values exactly (to $to)',
    ({ to }) => {
      const dims: V3 = [10, 8, 6];
      const d = new Uint8Array(480);
      for (let o = 0; o < d.length; o++) d[o] = [0, 1, 2, 7][o % 4] as number;
      const out = resampleToShape(createVolume(d, dims, diag), to, { interpolation: 'nearest' });
      expect(out.data).toBeInstanceOf(Uint8Array);
      expect(new Set(out.data).size).toBeLessThanOrEqual(4);
      expect([...new Set(out.data)].every((v) => [0, 1, 2, 7].includes(v))).toBe(true);
    },
  );
  it('a label volume upsampled by 2 repeats each voxel', () => {
    const d = Uint8Array.from([1, 2, 3, 4]);
    const out = resampleToShape(createVolume(d, [4, 1, 1]), [8, 1, 1], { interpolation: 'nearest' });
    expect(Array.from(out.data)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('linear resampling along one axis (PyTorch, align_corners=false)', () => {
  // F.interpolate(x, size=n, mode='linear', align_corners=False): up, by a non-integer factor, down, from one voxel
  it.each([
    { from: [0, 4], to: [0, 1, 3, 4] },
    { from: [0, 4], to: [0, 0.4, 2, 3.6, 4] },
    { from: [0, 1, 2, 3], to: [0.5, 2.5] },
    { from: [5], to: [5, 5, 5] },
  ])('$from to $to', ({ from, to }) => {
    const v = createVolume(Float32Array.from(from), [from.length, 1, 1]);
    const out = resampleToShape(v, [to.length, 1, 1]);
    expect(Array.from(out.data)).toEqual(to.map(Math.fround));
  });
});

describe('resampling to the same grid', () => {
  const dims: V3 = [5, 4, 3];
  const noisy = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * 1e3);
  it.each([
    ['resampleToShape, linear', () => resampleToShape(createVolume(noisy, dims, oblique), dims)],
    ['resampleToSpacing, linear', () => resampleToSpacing(createVolume(noisy, dims, diag), [2, 1.5, 3])],
    [
      'resampleToShape, nearest',
      () => resampleToShape(createVolume(noisy, dims, oblique), dims, { interpolation: 'nearest' }),
    ],
  ])('%s gives a copy, bitwise, with the same affine', (_, run) => {
    const out = run();
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.data).not.toBe(noisy);
    expect(Array.from(out.data)).toEqual(Array.from(noisy));
    expect(out.dims).toEqual(dims);
  });

  it('keeps the affine and the voxel type (labels stay Uint8, images become Float32)', () => {
    const labels = createVolume(
      Uint8Array.from({ length: 60 }, (_, i) => i % 3),
      dims,
      oblique,
    );
    const l = resampleToShape(labels, dims, { interpolation: 'nearest' });
    expect(l.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(l.data)).toEqual(Array.from(labels.data));
    expect(l.affine).toEqual(oblique);
    const hu = createVolume(
      Int16Array.from({ length: 60 }, (_, i) => i * 37 - 1000),
      dims,
      diag,
    );
    const img = resampleToShape(hu, dims);
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(Array.from(img.data)).toEqual(Array.from(hu.data));
    expect(img.affine).toEqual(diag);
  });

  it('a NaN or an infinity stays in its own voxel', () => {
    const d = new Float32Array(60).fill(1);
    d[7] = Number.NaN;
    d[8] = Number.POSITIVE_INFINITY;
    const out = resampleToShape(createVolume(d, dims), dims).data;
    expect(Number.isNaN(out[7])).toBe(true);
    expect(out[8]).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(out).filter((v) => v === 1)).toHaveLength(58);
  });
});

describe('resampling errors', () => {
  const v = createVolume(new Float32Array(8), [2, 2, 2]);
  it.each([
    ['a zero spacing', () => resampleToSpacing(v, [1, 0, 1]), /spacing/],
    ['a negative spacing', () => resampleToSpacing(v, [1, 1, -2]), /spacing/],
    ['a fractional shape', () => resampleToShape(v, [2, 2.5, 2]), /dims/],
    [
      'an unknown interpolation',
      () => resampleToShape(v, [2, 2, 2], { interpolation: 'cubic' as 'linear' }),
      /interpolation/,
    ],
    [
      'a spacing in metres (a grid of 2000^3 voxels)',
      () => resampleToSpacing(v, [0.001, 0.001, 0.001]),
      /new grid \[2000, 2000, 2000\] needs 32000000000 bytes, more than the limit of 2147483648/,
    ],
    [
      'a shape beyond the limit',
      () => resampleToShape(v, [1024, 1024, 1024], { interpolation: 'nearest' }),
      /needs 4294967296 bytes/,
    ],
  ])('%s throws a RangeError naming it', (_, f, msg) => {
    expect(f).toThrow(RangeError);
    expect(f).toThrow(msg);
  });
});

describe('resampleToGrid', () => {
  // A linear function of world position survives trilinear resampling exactly wherever the
  // reference grid lies inside the source, whatever the two affines are.
  /** `a` moved so that its voxel 0 lies at the centre of a 20x22x18 grid with affine `at`. */
  const centredOn = (a: Affine, at: Affine): Affine => {
    const [x, y, z] = voxelToWorld(at, 9.3, 10.6, 8.2);
    return [
      [a[0][0], a[0][1], a[0][2], x],
      [a[1][0], a[1][1], a[1][2], y],
      [a[2][0], a[2][1], a[2][2], z],
      [0, 0, 0, 1],
    ];
  };
  const cases: { name: string; source: Affine; reference: Affine; dims: V3 }[] = [
    {
      name: 'diagonal source onto an oblique grid',
      source: diag,
      reference: centredOn(oblique, diag),
      dims: [6, 5, 4],
    },
    {
      name: 'oblique source onto a diagonal grid',
      source: oblique,
      reference: centredOn(diag, oblique),
      dims: [5, 6, 3],
    },
    { name: 'onto itself', source: diag, reference: diag, dims: [9, 8, 7] },
  ];
  it.each(cases)('$name keeps world values', ({ source, reference, dims }) => {
    const src = linearImage([20, 22, 18], source);
    const out = resampleToGrid(src, { dims, affine: reference });
    expect(out.dims).toEqual(dims);
    expect(out.affine).toEqual(reference);
    let inside = 0;
    let o = 0;
    const inv = invertAffine(source);
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++, o++) {
          const w = voxelToWorld(reference, i, j, k);
          const [x, y, z] = applyAffine(inv, w);
          if (x < 0 || y < 0 || z < 0 || x > 19 || y > 21 || z > 17) {
            if (x < -0.5 || y < -0.5 || z < -0.5 || x > 19.5 || y > 21.5 || z > 17.5)
              expect(out.data[o]).toBe(0);
            continue;
          }
          inside++;
          expect(out.data[o]).toBeCloseTo(0.5 * w[0] - 0.25 * w[1] + 0.1 * w[2], 3);
        }
    expect(inside).toBeGreaterThan(0);
  });

  it('nearest keeps the label values', () => {
    const labels = createVolume(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]), [2, 2, 2], diag);
    const out = resampleToGrid(labels, { dims: [2, 2, 2], affine: diag }, 'nearest');
    expect(Array.from(out.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.data).toBeInstanceOf(Uint8Array);
  });
});
