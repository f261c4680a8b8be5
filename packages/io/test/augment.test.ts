import { describe, expect, it } from 'vitest';
import { augment } from '../src/preprocess/augment.js';
import { Rng } from '../src/random.js';
import { createVolume, scaledAffine } from '../src/volume.js';

type V3 = [number, number, number];
const dims: V3 = [32, 28, 12];
const n = dims[0] * dims[1] * dims[2];
const mask = new Uint8Array(n);
for (let k = 3; k < 9; k++)
  for (let j = 6; j < 20; j++) for (let i = 4; i < 15; i++) mask[i + 32 * (j + 28 * k)] = 2;
const maskVol = createVolume(mask, dims, scaledAffine([0.8, 0.8, 2.5]));
const image = createVolume(
  Float32Array.from(mask, (m) => (m ? 1 : 0)),
  dims,
  scaledAffine([0.8, 0.8, 2.5]),
);

describe('augment', () => {
  it('same seed gives the same output; another seed another', () => {
    const a = augment(image, [maskVol], new Rng(11), {
      affineProbability: 1,
      noiseProbability: 1,
      gammaProbability: 1,
    });
    const b = augment(image, [maskVol], new Rng(11), {
      affineProbability: 1,
      noiseProbability: 1,
      gammaProbability: 1,
    });
    expect(a.params).toEqual(b.params);
    expect(a.image.data).toEqual(b.image.data);
    expect(a.masks[0]?.data).toEqual(b.masks[0]?.data);
    const c = augment(image, [maskVol], new Rng(12), { affineProbability: 1 });
    expect(c.params).not.toEqual(a.params);
  });
  it.each([
    { axis: 0 as const, at: (i: number, j: number, k: number) => 31 - i + 32 * (j + 28 * k) },
    { axis: 1 as const, at: (i: number, j: number, k: number) => i + 32 * (27 - j + 28 * k) },
    { axis: 2 as const, at: (i: number, j: number, k: number) => i + 32 * (j + 28 * (11 - k)) },
  ])('a flip along axis $axis mirrors image and mask exactly', ({ axis, at }) => {
    const r = augment(image, [maskVol], new Rng(1), {
      flipAxes: [axis],
      flipProbability: 1,
      affineProbability: 0,
      noiseProbability: 0,
      gammaProbability: 0,
    });
    for (const [i, j, k] of [
      [5, 7, 4],
      [0, 0, 0],
      [14, 19, 8],
      [31, 27, 11],
    ] as V3[]) {
      expect(r.masks[0]?.data[i + 32 * (j + 28 * k)]).toBe(mask[at(i, j, k)]);
      expect(r.image.data[i + 32 * (j + 28 * k)]).toBe(image.data[at(i, j, k)]);
    }
  });
  it.each([1, 2, 3, 4, 5])('seed %i: image and mask stay aligned under rotation and scaling', (seed) => {
    const r = augment(image, [maskVol], new Rng(seed), {
      affineProbability: 1,
      rotateDeg: [5, 5, 15],
      flipAxes: [0, 1],
      noiseProbability: 0,
      gammaProbability: 0,
    });
    const m = r.masks[0]?.data as Uint8Array;
    expect(m).toBeInstanceOf(Uint8Array);
    expect([...new Set(m)].every((v) => v === 0 || v === 2)).toBe(true);
    let inside = 0;
    let inCount = 0;
    let outside = 0;
    let outCount = 0;
    m.forEach((v, o) => {
      if (v) {
        inside += r.image.data[o] as number;
        inCount++;
      } else {
        outside += r.image.data[o] as number;
        outCount++;
      }
    });
    expect(inCount).toBeGreaterThan(0.5 * 11 * 14 * 6);
    expect(inside / inCount).toBeGreaterThan(0.85);
    expect(outside / outCount).toBeLessThan(0.05);
  });
  it('noise and gamma touch only the image', () => {
    const r = augment(image, [maskVol], new Rng(3), {
      affineProbability: 0,
      flipAxes: [],
      noiseProbability: 1,
      gammaProbability: 1,
    });
    expect(r.masks[0]?.data).toEqual(mask);
    expect(r.params.noiseSd).toBeGreaterThan(0);
    expect(r.image.data).not.toEqual(image.data);
  });
  it.each([
    [
      'a mask of other dims',
      () => augment(image, [createVolume(new Uint8Array(8), [2, 2, 2])], new Rng(1)),
      /dims/,
    ],
    ['a bad scale range', () => augment(image, [], new Rng(1), { scale: [1.2, 0.9] }), /scale/],
    ['a bad gamma range', () => augment(image, [], new Rng(1), { gamma: [0, 1] }), /gamma/],
    ['a bad flip axis', () => augment(image, [], new Rng(1), { flipAxes: [3 as 0] }), /flipAxes/],
  ])('%s throws a RangeError', (_, f, msg) => expect(f).toThrow(msg));
});
