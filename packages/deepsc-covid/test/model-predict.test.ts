import { mulberry32, Tensor } from '@deepsc/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { createDeepScCovid } from '../src/network.js';
import { predict } from '../src/predict.js';
import { presetConfig } from '../src/presets.js';
import { resample3d } from '../src/resample.js';
import { segmentationShape, windowRegion } from '../src/sliding-window.js';
import { networkInputs } from '../src/training-step.js';

const volume = (shape: [number, number, number], seed: number) => {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => r() * 2 - 1), shape };
};

describe('DeepSC-COVID sliding-window geometry (the generic part: core/test/sliding-window.test.ts)', () => {
  it('windows map to their place in the whole scan', () => {
    const c = resolveConfig(presetConfig('tiny'));
    expect(segmentationShape(c, [20, 30, 30])).toEqual([8, 8, 8]);
    expect(segmentationShape(c, [2, 30, 30], 'native')).toEqual([4, 8, 8]);
    expect(() => segmentationShape(c, [2, 30, 30], 'fine' as never)).toThrow(
      /'fine' must be 'whole-scan' or 'native'/,
    );
    const shape = segmentationShape(c, [20, 30, 30], 'native');
    expect(shape).toEqual([20, 8, 8]);
    expect(windowRegion(c, shape, [10, 0, 0])).toEqual({ lo: [4, 0, 0], hi: [5.6, 8, 8] });
  });

  it('trilinear resampling matches PyTorch (align_corners=false)', () => {
    const up = resample3d({ data: Float32Array.from([0, 4]), shape: [1, 1, 2] }, [1, 1, 4]);
    expect(Array.from(up.data)).toEqual([0, 1, 3, 4]);
    const same = resample3d({ data: Float32Array.from([1, 2]), shape: [2, 1, 1] }, [2, 1, 1]);
    expect(Array.from(same.data)).toEqual([1, 2]);
    expect(() => resample3d({ data: new Float32Array(3), shape: [2, 1, 1] }, [1, 1, 1])).toThrow(
      /3 values do not fill/,
    );
  });
});

describe('predict', () => {
  it.each([
    ['whole-scan', 3],
    ['native', 5],
  ] as const)(
    'returns class probabilities, lesion probabilities and evidence in the input geometry (%s grid)',
    async (patchGrid, windows) => {
      const net = createDeepScCovid(presetConfig('tiny'), { seed: 5 });
      let calls = 0;
      const p = await predict(net, volume([11, 13, 9], 1), { patchGrid, onWindow: () => calls++ });
      // whole-scan: depth 8, windows of 4 at overlap 0.5 -> 0, 2, 4; native: depth 11 -> 0, 2, 4, 5, 7.
      expect(p.windows).toBe(windows);
      expect(calls).toBe(windows);
      expect(p.lesion?.shape).toEqual([11, 13, 9]);
      expect(p.evidence?.shape).toEqual([11, 13, 9]);
      expect(p.classProbabilities?.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      for (const v of p.lesion?.data ?? []) expect(v >= 0 && v <= 1).toBe(true);
      for (const v of p.evidence?.data ?? []) expect(v > 0 && v < 1).toBe(true);
      net.model.dispose();
    },
  );

  it('one window covering the scan gives exactly the network output', async () => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 6, mode: 'infer' });
    const c = net.config;
    const v = volume([4, 8, 8], 2);
    const p = await predict(net, v, { patchGrid: 'native' });
    expect(p.windows).toBe(1);
    const whole = Tensor.from(resample3d(v, c.wholeSize).data, [1, 1, ...c.wholeSize]);
    const patch = Tensor.from(v.data, [1, 1, 4, 8, 8]);
    const { inputs, owned } = networkInputs(net, { whole, patch, region: { lo: [0, 0, 0], hi: [8, 8, 8] } });
    const out = await net.model.forward(inputs);
    const z = (out.seg_logits as Tensor).data;
    const lesion = Array.from(
      { length: 256 },
      (_, i) => 1 / (1 + Math.exp((z[i] as number) - (z[256 + i] as number))),
    );
    for (const [i, x] of (p.lesion?.data ?? []).entries()) expect(x).toBeCloseTo(lesion[i] as number, 5);
    const logits = Array.from((out.logits as Tensor).data);
    const m = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    for (const [k, x] of (p.classProbabilities ?? []).entries())
      expect(x).toBeCloseTo((e[k] as number) / s, 5);
    for (const t of [whole, patch, ...owned, ...Object.values(out)]) t.dispose();
    net.model.dispose();
  });

  it.each([
    ['classification-only', true, false],
    ['segmentation-only', false, true],
    ['joint-without-cross-stitch', true, true],
  ] as const)('variant %s returns only its results', async (variant, cls, seg) => {
    const net = createDeepScCovid(presetConfig('tiny', { variant }), { seed: 1 });
    const p = await predict(net, volume([6, 10, 10], 3));
    expect(p.classProbabilities !== undefined).toBe(cls);
    expect(p.evidence !== undefined).toBe(cls);
    expect(p.lesion !== undefined).toBe(seg);
    net.model.dispose();
  });

  it.each([
    ['a 2D shape', { data: new Float32Array(4), shape: [2, 2] }, {}, /must be three positive integers/],
    [
      'too few values',
      { data: new Float32Array(4), shape: [2, 2, 2] },
      {},
      /4 values do not fill \[2, 2, 2\]/,
    ],
    ['overlap 1', volume([4, 8, 8], 1), { overlap: 1 }, /overlap 1 must be in \[0, 1\)/],
  ])('rejects %s', async (_, v, o, msg) => {
    const net = createDeepScCovid(presetConfig('tiny'), { seed: 1, mode: 'infer' });
    await expect(predict(net, v as never, o)).rejects.toThrow(msg);
    net.model.dispose();
  });

  it('rejects a patch larger than its grid (a patch larger than the whole scan), naming both', async () => {
    const net = createDeepScCovid(
      { ...presetConfig('tiny'), wholeSize: [4, 8, 8], patchSize: [8, 8, 8] },
      { seed: 1, mode: 'infer' },
    );
    await expect(predict(net, volume([6, 8, 8], 1))).rejects.toThrow(
      /predict: the patch grid \[4, 8, 8\] is smaller than the patch \[8, 8, 8\]/,
    );
    net.model.dispose();
  });
});
