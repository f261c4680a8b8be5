import { mulberry32 } from '@deepsc/core';
import { createVolume, resampleToShape } from '@deepsc/io';
import { describe, expect, it } from 'vitest';
import { resample3d } from '../src/resample.js';
import type { Size3 } from '../src/strides.js';

describe("resample3d is @deepsc/io's resampleToShape on [D, H, W] arrays", () => {
  const rand = mulberry32(3);
  it.each<[string, Size3, Size3]>([
    ['up by 2', [4, 6, 8], [8, 12, 16]],
    ['down, non-integer factors', [7, 9, 11], [5, 4, 13]],
    ['one axis only', [3, 5, 2], [3, 5, 7]],
    ['the same size (a copy)', [2, 3, 4], [2, 3, 4]],
  ])('%s: bitwise the volume resampled with dims [W, H, D]', (_, shape, size) => {
    const data = Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rand() * 2 - 1);
    const out = resample3d({ data, shape }, size);
    const volume = resampleToShape(createVolume(data, [shape[2], shape[1], shape[0]]), [
      size[2],
      size[1],
      size[0],
    ]);
    expect(out.shape).toEqual(size);
    expect(out.data).not.toBe(data);
    expect(Array.from(out.data)).toEqual(Array.from(volume.data));
  });

  it('samples as PyTorch does along D, H and W', () => {
    for (const [shape, size] of [
      [
        [1, 1, 2],
        [1, 1, 4],
      ],
      [
        [1, 2, 1],
        [1, 4, 1],
      ],
      [
        [2, 1, 1],
        [4, 1, 1],
      ],
    ] as [Size3, Size3][])
      expect(Array.from(resample3d({ data: Float32Array.from([0, 4]), shape }, size).data)).toEqual([
        0, 1, 3, 4,
      ]);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'data that do not fill the shape',
      () => resample3d({ data: new Float32Array(3), shape: [2, 1, 1] }, [1, 1, 1]),
      /resample3d: 3 values do not fill \[2, 1, 1\]/,
    ],
    [
      'a zero size',
      () => resample3d({ data: new Float32Array(2), shape: [2, 1, 1] }, [0, 1, 1]),
      /resample3d: sizes must be positive integers, got 0/,
    ],
    [
      'a fractional size',
      () => resample3d({ data: new Float32Array(2), shape: [2, 1, 1] }, [2, 1.5, 1]),
      /got 1.5/,
    ],
  ])('refuses %s with a RangeError naming it', (_, run, message) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  });
});
