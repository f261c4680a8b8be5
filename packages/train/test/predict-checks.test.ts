import { Tensor } from '@deepsc/core';
import { createDeepScCovid, presetConfig } from '@deepsc/deepsc-covid';
import { createVolume, scaledAffine, type Volume, type VoxelArray } from '@deepsc/io';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertFiniteWeights,
  CheckpointError,
  checkPredictInput,
  MIN_VOXELS_PER_AXIS,
  minimumInputDims,
  NON_FINITE_REPLACEMENT_HU,
  nonFiniteTensors,
  PredictionError,
  VOXEL_SIZE_RANGE_MM,
} from '../src/index.js';

/** A model's `minimumInput` of one voxel per axis (the U-Net's: its inferer pads a small image): the floor decides. */
const tiny = [1, 1, 1] as const;

const volume = (dims: [number, number, number], spacing = [1, 1, 1] as const, data?: VoxelArray) =>
  createVolume(data ?? new Int16Array(dims[0] * dims[1] * dims[2]).fill(-500), dims, scaledAffine(spacing));

describe('minimumInputDims', () => {
  it.each([
    ['one voxel per axis', [1, 1, 1], [4, 4, 4]],
    ['more than the floor on every axis', [16, 16, 6], [16, 16, 6]],
    ['more on one axis', [2, 9, 3], [4, 9, 4]],
  ] as const)('a model minimum of %s (%j) needs at least %j voxels', (_what, model, dims) => {
    expect(minimumInputDims(model)).toEqual(dims);
    expect(Math.min(...dims)).toBeGreaterThanOrEqual(MIN_VOXELS_PER_AXIS);
  });
});

describe('checkPredictInput refuses what is not a CT volume', () => {
  it.each([
    ['a single voxel', volume([1, 1, 1]), 'the scan is 1x1x1 voxels; this network needs at least 4x4x4'],
    ['one slice (2D)', volume([32, 32, 1]), 'the scan is 32x32x1 voxels'],
    ['three voxels along i', volume([3, 32, 32]), 'the scan is 3x32x32 voxels'],
    [
      'voxels of 1e30 mm',
      volume([8, 8, 8], [1, 1, 1e30] as never),
      "the scan's voxel size [1, 1, 1e+30] mm lies outside [0.01, 50] mm",
    ],
    ['voxels of 60 mm', volume([8, 8, 8], [60, 1, 1] as never), 'voxel size [60, 1, 1] mm lies outside'],
    ['voxels of 0.005 mm', volume([8, 8, 8], [1, 0.005, 1] as never), 'voxel size [1, 0.005, 1] mm'],
  ])('%s', (_what, v, message) => {
    const err = (() => {
      try {
        checkPredictInput(v, tiny);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(PredictionError);
    expect(err?.message).toContain(message);
  });

  it.each([
    ['the smallest voxel size', [VOXEL_SIZE_RANGE_MM[0], 1, 1]],
    ['the largest voxel size', [1, 1, VOXEL_SIZE_RANGE_MM[1]]],
  ] as const)('accepts %s and the minimum dims', (_what, spacing) => {
    const v = volume([4, 4, 4], spacing as never);
    expect(checkPredictInput(v, tiny)).toEqual({ volume: v, nonFiniteVoxels: 0 });
  });
});

describe('checkPredictInput and non-finite voxels', () => {
  const withBad = (): Volume<Float32Array> => {
    const data = new Float32Array(8 * 8 * 8).fill(-700);
    data[3] = Number.NaN;
    data[10] = Number.POSITIVE_INFINITY;
    data[511] = Number.NEGATIVE_INFINITY;
    return createVolume(data, [8, 8, 8], scaledAffine([1, 1, 1]));
  };

  it('refuses them by default, with the count and the way out', () => {
    expect(() => checkPredictInput(withBad(), tiny)).toThrow(
      new PredictionError(
        "3 of 512 voxels of the scan are NaN or infinite; to read them as air (-1000 HU) instead, use --non-finite-voxels replace (option nonFiniteVoxels: 'replace')",
      ),
    );
  });

  it('replaces them by air on a copy with the replace policy, and counts them', () => {
    const v = withBad();
    const r = checkPredictInput(v, tiny, 'replace');
    expect(r.nonFiniteVoxels).toBe(3);
    expect([3, 10, 511].map((i) => r.volume.data[i])).toEqual([
      NON_FINITE_REPLACEMENT_HU,
      NON_FINITE_REPLACEMENT_HU,
      NON_FINITE_REPLACEMENT_HU,
    ]);
    expect(r.volume.data[4]).toBe(-700);
    expect(Number.isNaN(v.data[3])).toBe(true); // the caller's volume is left as it was
    expect(r.volume.affine).toEqual(v.affine);
  });

  it('passes finite float voxels and integer voxels through unchanged', () => {
    const f = createVolume(new Float64Array(512).fill(-1), [8, 8, 8], scaledAffine([1, 1, 1]));
    expect(checkPredictInput(f, tiny, 'replace')).toEqual({ volume: f, nonFiniteVoxels: 0 });
    const i = volume([8, 8, 8]);
    expect(checkPredictInput(i, tiny).volume).toBe(i);
  });

  it('refuses an unknown policy', () => {
    expect(() => checkPredictInput(volume([8, 8, 8]), tiny, 'zero' as never)).toThrow(
      "non-finite voxel policy 'zero' must be 'error' or 'replace'",
    );
  });
});

describe('assertFiniteWeights', () => {
  const net = createDeepScCovid(presetConfig('tiny'), { mode: 'infer', optimizer: null, seed: 1 });
  afterAll(() => net.model.dispose());

  const sizeOf = (name: string) => {
    const t = net.model.parameter(name);
    const n = t.size;
    t.dispose();
    return n;
  };
  // tensors of at least two values, in the network's order
  const names = net.model.parameterNames.filter((n) => sizeOf(n) >= 2);
  const poison = (name: string, at: number[], value: number) => {
    const t = net.model.parameter(name);
    const data = Float32Array.from(t.data);
    for (const i of at) data[i] = value;
    const p = Tensor.from(data, t.shape);
    t.dispose();
    net.model.setParameter(name, p);
    p.dispose();
  };

  it('passes a freshly initialised network', () => {
    expect(nonFiniteTensors(net.model)).toEqual([]);
    expect(() => assertFiniteWeights(net.model, 'ck')).not.toThrow();
  });

  it('names the tensors with their counts, then how many more', () => {
    const sizes = names.map(sizeOf);
    poison(names[0] as string, [0, 1], Number.NaN);
    poison(names[2] as string, [0], Number.POSITIVE_INFINITY);
    expect(nonFiniteTensors(net.model)).toEqual([
      { name: names[0], nonFinite: 2, size: sizes[0] },
      { name: names[2], nonFinite: 1, size: sizes[2] },
    ]);
    expect(() => assertFiniteWeights(net.model, 'runs/x/checkpoints/last')).toThrow(
      new CheckpointError(
        'runs/x/checkpoints/last',
        `3 weight value(s) are NaN or infinite, in '${names[0]}' (2 of ${sizes[0]}), '${names[2]}' (1 of ${sizes[2]}); the training diverged before this checkpoint was saved: use an earlier checkpoint`,
      ),
    );
    for (const k of [3, 4, 5]) poison(names[k] as string, [0], Number.NaN);
    expect(() => assertFiniteWeights(net.model, 'ck')).toThrow(
      /6 weight value\(s\) .* and 2 more tensor\(s\);/,
    );
  });
});
