import { describe, expect, it } from 'vitest';
import { gaussianWeights, windowGrid, windowStarts } from '../src/index.js';

describe('sliding-window geometry', () => {
  it.each([
    [10, 4, 0.5, [0, 2, 4, 6]],
    [11, 4, 0.5, [0, 2, 4, 5, 7]],
    [4, 4, 0.5, [0]],
    [9, 4, 0, [0, 3, 5]],
    [300, 24, 0.5, Array.from({ length: 24 }, (_, i) => Math.round((i * 276) / 23))],
  ])('axis %s, window %s, overlap %s', (size, window, overlap, starts) => {
    const s = windowStarts(size, window, overlap);
    expect(s).toEqual(starts);
    // Every voxel is covered.
    for (let v = 0; v < size; v++) expect(s.some((a) => a <= v && v < a + window)).toBe(true);
  });

  it.each([
    [[8, 4, 1], /overlap 1 must be in \[0, 1\)/],
    [[3, 4, 0.5], /window 4 is larger than the axis \(3\)/],
  ] as const)('rejects %j', ([size, window, overlap], msg) => {
    expect(() => windowStarts(size, window, overlap)).toThrow(msg);
  });

  it('Gaussian weights peak at the centre, are symmetric and never zero', () => {
    const w = gaussianWeights([3, 4, 5]);
    const at = (d: number, h: number, x: number) => w[(d * 4 + h) * 5 + x] as number;
    expect(at(1, 1, 2)).toBeCloseTo(at(1, 2, 2), 6);
    expect(at(1, 1, 2)).toBeGreaterThan(at(0, 0, 0));
    expect(Math.min(...w)).toBeGreaterThan(0);
  });

  it.each([
    [[4, 8, 8], [4, 8, 8], 0.5, [[0, 0, 0]]],
    [
      [4, 10, 8],
      [4, 4, 8],
      0.5,
      [
        [0, 0, 0],
        [0, 2, 0],
        [0, 4, 0],
        [0, 6, 0],
      ],
    ],
    [
      [6, 6, 5],
      [4, 4, 5],
      0,
      [
        [0, 0, 0],
        [0, 2, 0],
        [2, 0, 0],
        [2, 2, 0],
      ],
    ],
  ] as const)(
    'windowGrid over %j with windows %j, overlap %s: d slowest, w fastest',
    (shape, window, overlap, starts) => {
      expect(windowGrid(shape, window, overlap)).toEqual(starts);
    },
  );

  it('windowGrid names the axis a window does not fit', () => {
    expect(() => windowGrid([4, 3, 8], [4, 4, 4], 0.5)).toThrow(/window 4 is larger than the axis \(3\)/);
  });
});
