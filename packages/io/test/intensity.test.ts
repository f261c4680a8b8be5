import { describe, expect, it } from 'vitest';
import { applyMask } from '../src/preprocess/apply-mask.js';
import { normalizeIntensity } from '../src/preprocess/normalize.js';
import { clipHu } from '../src/preprocess/window.js';
import { createVolume } from '../src/volume.js';

const ct = createVolume(Int16Array.from([-2000, -1400, -600, 200, 1000, 0, -1000, 100]), [2, 2, 2]);

describe('HU window and normalisation', () => {
  it('clips to the DeepSC window [-1400, 200] by default', () => {
    expect(Array.from(clipHu(ct).data)).toEqual([-1400, -1400, -600, 200, 200, 0, -1000, 100]);
  });
  it.each([
    { hu: -2000, want: 0 },
    { hu: -1400, want: 0 },
    { hu: -600, want: 0.5 },
    { hu: 200, want: 1 },
    { hu: 1000, want: 1 },
  ])('window mode maps $hu HU to $want', ({ hu, want }) => {
    const v = normalizeIntensity(createVolume(Int16Array.of(hu), [1, 1, 1]));
    expect(v.data[0]).toBeCloseTo(want, 6);
  });
  it('z-score over a mask gives mean 0 and sd 1 inside the mask', () => {
    const mask = createVolume(Uint8Array.from([0, 1, 1, 1, 1, 0, 0, 0]), [2, 2, 2]);
    const z = normalizeIntensity(ct, { mode: 'zscore', statsMask: mask });
    const inside = [1, 2, 3, 4].map((o) => z.data[o] as number);
    const m = inside.reduce((a, b) => a + b, 0) / 4;
    expect(m).toBeCloseTo(0, 5);
    expect(Math.sqrt(inside.reduce((a, b) => a + (b - m) ** 2, 0) / 4)).toBeCloseTo(1, 5);
  });
  it('masking zeroes voxels outside the mask', () => {
    const mask = createVolume(Uint8Array.from([0, 1, 2, 0, 0, 0, 0, 1]), [2, 2, 2]);
    expect(Array.from(applyMask(ct, mask).data)).toEqual([0, -1400, -600, 0, 0, 0, 0, 100]);
  });
  it.each([
    ['an inverted window', () => clipHu(ct, { min: 200, max: -1400 }), /min < max/],
    [
      'a non-finite window',
      () => normalizeIntensity(ct, { window: { min: Number.NaN, max: 1 } }),
      /min < max/,
    ],
    [
      'an empty stats mask',
      () => normalizeIntensity(ct, { mode: 'zscore', statsMask: createVolume(new Uint8Array(8), [2, 2, 2]) }),
      /empty/,
    ],
    [
      'a stats mask of other dims',
      () => normalizeIntensity(ct, { mode: 'zscore', statsMask: createVolume(new Uint8Array(1), [1, 1, 1]) }),
      /dims/,
    ],
    ['an unknown mode', () => normalizeIntensity(ct, { mode: 'robust' as 'window' }), /mode/],
    ['a mask of other dims', () => applyMask(ct, createVolume(new Uint8Array(1), [1, 1, 1])), /dims/],
  ])('%s throws a RangeError naming it', (_, f, msg) => {
    expect(f).toThrow(RangeError);
    expect(f).toThrow(msg);
  });
});
