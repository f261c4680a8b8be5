import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  boundingBox,
  hausdorffDistance,
  segmentationMetrics,
  softDice,
  squaredDistanceTransform,
  summariseSegmentation,
  surfaceDistances,
  surfaceVoxels,
  type Triple,
} from '../src/index.js';
import { box, fromIndices, fromPredicate } from './support/masks.js';

interface SegCase {
  name: string;
  dims: Triple;
  spacing: Triple;
  pred: number[];
  truth: number[];
  tolerance: number;
  expected: Record<'dice' | 'iou' | 'sensitivity' | 'precision' | 'hd95' | 'hd100' | 'assd' | 'nsd', number>;
}
const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/segmentation.json', import.meta.url), 'utf8'),
) as {
  cases: SegCase[];
  edt: { dims: Triple; spacing: Triple; feature: number[]; distance: number[] };
};

describe('segmentation metrics against scipy (fixtures/make_fixtures.py)', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const pred = { data: fromIndices(c.dims, c.pred), dims: c.dims, spacing: c.spacing };
    const truth = { data: fromIndices(c.dims, c.truth), dims: c.dims, spacing: c.spacing };
    const m = segmentationMetrics(pred, truth, { nsdToleranceMm: c.tolerance });
    for (const k of ['dice', 'iou', 'sensitivity', 'precision', 'hd95', 'assd', 'nsd'] as const) {
      expect(m[k], k).toBeCloseTo(c.expected[k], 5);
    }
    const hd = segmentationMetrics(pred, truth, { hausdorffPercentile: 100 }).hd95;
    expect(hd).toBeCloseTo(c.expected.hd100, 5);
  });

  it('the distance transform matches distance_transform_edt with anisotropic sampling', () => {
    const e = fixtures.edt;
    const d2 = squaredDistanceTransform(fromIndices(e.dims, e.feature), e.dims, e.spacing);
    let worst = 0;
    e.distance.forEach((d, v) => {
      worst = Math.max(worst, Math.abs(Math.sqrt(d2[v] as number) - d));
    });
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('segmentation metrics on hand-computed cases', () => {
  const dims: Triple = [10, 10, 10];
  const vol = (m: Uint8Array, spacing: Triple = [1, 1, 1]) => ({ data: m, dims, spacing });

  it('identical masks: Dice 1, distances 0', () => {
    const a = fromPredicate(dims, box([2, 2, 2], [5, 6, 7]));
    const m = segmentationMetrics(vol(a), vol(a));
    expect(m).toMatchObject({
      case: 'both-present',
      dice: 1,
      iou: 1,
      sensitivity: 1,
      precision: 1,
      hd95: 0,
      assd: 0,
      nsd: 1,
    });
  });

  it('a 2x2x2 cube against an overlapping shifted one: Dice = 2*4/16, IoU = 4/12', () => {
    const a = fromPredicate(dims, box([2, 2, 2], [3, 3, 3]));
    const b = fromPredicate(dims, box([3, 2, 2], [4, 3, 3]));
    const m = segmentationMetrics(vol(a), vol(b));
    expect(m.dice).toBeCloseTo(0.5, 12);
    expect(m.iou).toBeCloseTo(1 / 3, 12);
    // every voxel is surface; each surface voxel is 0 or 1 voxel from the other surface
    expect(m.hd95).toBeCloseTo(1, 12);
    expect(m.assd).toBeCloseTo(0.5, 12);
  });

  it('single voxels apart by (3, 4, 0) voxels with spacing (2, 0.5, 7): distance = hypot(6, 2)', () => {
    const a = fromIndices(dims, [1 + 10 * (1 + 10 * 5)]);
    const b = fromIndices(dims, [4 + 10 * (5 + 10 * 5)]);
    const m = segmentationMetrics(vol(a, [2, 0.5, 7]), vol(b, [2, 0.5, 7]));
    expect(m.hd95).toBeCloseTo(Math.hypot(6, 2), 6);
    expect(m.assd).toBeCloseTo(Math.hypot(6, 2), 6);
    expect(m.dice).toBe(0);
    expect(m.nsd).toBe(0);
    expect(segmentationMetrics(vol(a, [2, 0.5, 7]), vol(b, [2, 0.5, 7]), { nsdToleranceMm: 6.33 }).nsd).toBe(
      1,
    );
  });

  it('spacing along k scales distances along k only', () => {
    const a = fromPredicate(dims, box([0, 0, 0], [9, 9, 3]));
    const b = fromPredicate(dims, box([0, 0, 0], [9, 9, 5]));
    const iso = segmentationMetrics(vol(a), vol(b), { hausdorffPercentile: 100 });
    const aniso = segmentationMetrics(vol(a, [1, 1, 2.5]), vol(b, [1, 1, 2.5]), { hausdorffPercentile: 100 });
    expect(iso.hd95).toBeCloseTo(2, 12);
    expect(aniso.hd95).toBeCloseTo(5, 12);
  });

  it('label maps count any value > 0 as foreground', () => {
    const a = new Float32Array(1000);
    a[5] = 3;
    a[6] = 0.5;
    a[7] = -1;
    const b = new Uint8Array(1000);
    b[5] = 1;
    b[6] = 1;
    expect(segmentationMetrics({ data: a, dims, spacing: [1, 1, 1] }, vol(b)).dice).toBe(1);
  });

  it.each([
    [
      'both-empty',
      false,
      false,
      { dice: 1, iou: 1, nsd: 1, hd95: 0, assd: 0, sensitivity: Number.NaN, precision: Number.NaN },
    ],
    [
      'truth-empty',
      true,
      false,
      { dice: 0, iou: 0, nsd: 0, hd95: Infinity, assd: Infinity, sensitivity: Number.NaN, precision: 0 },
    ],
    [
      'prediction-empty',
      false,
      true,
      { dice: 0, iou: 0, nsd: 0, hd95: Infinity, assd: Infinity, sensitivity: 0, precision: Number.NaN },
    ],
  ] as const)('empty-mask convention: %s', (kase, predFull, truthFull, expected) => {
    const some = fromPredicate(dims, box([1, 1, 1], [3, 3, 3]));
    const none = new Uint8Array(1000);
    const m = segmentationMetrics(vol(predFull ? some : none), vol(truthFull ? some : none));
    expect(m.case).toBe(kase);
    for (const [k, v] of Object.entries(expected)) expect(m[k as keyof typeof expected], k).toBe(v);
  });

  it('full masks: the whole border is the surface', () => {
    const full = new Uint8Array(1000).fill(1);
    const s = surfaceVoxels(full, dims);
    expect(s.reduce((a, b) => a + b, 0)).toBe(1000 - 8 ** 3);
    expect(segmentationMetrics(vol(full), vol(full))).toMatchObject({ dice: 1, hd95: 0, nsd: 1 });
  });

  it('reports volumes in mm^3', () => {
    const a = fromPredicate(dims, box([0, 0, 0], [1, 1, 1]));
    const m = segmentationMetrics(vol(a, [0.5, 2, 3]), vol(new Uint8Array(1000), [0.5, 2, 3]));
    expect(m.predictionVolumeMm3).toBeCloseTo(8 * 3, 12);
    expect(m.truthVolumeMm3).toBe(0);
  });

  it.each([
    [
      'dims',
      { data: new Uint8Array(1000), dims: [10, 10, 10] as Triple, spacing: [1, 1, 1] as Triple },
      { data: new Uint8Array(1000), dims: [10, 20, 5] as Triple, spacing: [1, 1, 1] as Triple },
      /not on the same voxel grid/,
    ],
    [
      'spacing',
      { data: new Uint8Array(1000), dims, spacing: [1, 1, 1] as Triple },
      { data: new Uint8Array(1000), dims, spacing: [1, 1, 2] as Triple },
      /spacing \[1, 1, 2\]/,
    ],
    [
      'data length',
      { data: new Uint8Array(999), dims, spacing: [1, 1, 1] as Triple },
      { data: new Uint8Array(1000), dims, spacing: [1, 1, 1] as Triple },
      /prediction: 999 voxels do not match/,
    ],
    [
      'spacing sign',
      { data: new Uint8Array(1000), dims, spacing: [1, -1, 1] as Triple },
      { data: new Uint8Array(1000), dims, spacing: [1, -1, 1] as Triple },
      /positive mm/,
    ],
  ])('rejects mismatched %s', (_n, a, b, msg) => {
    expect(() => segmentationMetrics(a, b)).toThrow(msg);
  });

  it.each([
    [{ nsdToleranceMm: -1 }, /nsdToleranceMm/],
    [{ nsdToleranceMm: Number.NaN }, /nsdToleranceMm/],
    [{ hausdorffPercentile: 101 }, /hausdorffPercentile/],
  ])('rejects bad options %o', (opts, msg) => {
    const a = vol(new Uint8Array(1000));
    expect(() => segmentationMetrics(a, a, opts)).toThrow(msg);
  });
});

describe('soft Dice', () => {
  const dims: Triple = [2, 2, 1];
  const m = (data: ArrayLike<number>) => ({ data, dims, spacing: [1, 1, 1] as Triple });
  it.each([
    ['matches hard Dice on 0/1 maps', [1, 1, 0, 0], [1, 0, 0, 0], 2 / 3],
    ['weights probabilities', [0.5, 0.25, 0, 0], [1, 1, 0, 0], (2 * 0.75) / 2.75],
    ['clamps to [0, 1] and reads NaN as 0', [2, -1, Number.NaN, 0], [1, 0, 0, 0], 1],
    ['both empty: 1', [0, 0, 0, 0], [0, 0, 0, 0], 1],
    ['no probability on a lesion: 0', [0, 0, 0, 0], [0, 1, 0, 0], 0],
  ])('%s', (_n, p, t, e) => {
    expect(softDice(m(Float32Array.from(p)), m(Uint8Array.from(t)))).toBeCloseTo(e, 7);
  });
  it('rejects another grid', () => {
    expect(() =>
      softDice(m(new Float32Array(4)), { data: new Uint8Array(4), dims: [4, 1, 1], spacing: [1, 1, 1] }),
    ).toThrow(/probabilities .* and truth .* are not on the same voxel grid/);
  });
});

describe('building blocks', () => {
  it('boundingBox spans every mask and is null when all are empty', () => {
    const dims: Triple = [6, 5, 4];
    const a = fromIndices(dims, [1 + 6 * (2 + 5 * 1)]);
    const b = fromIndices(dims, [4 + 6 * (0 + 5 * 3)]);
    expect(boundingBox([a, b], dims)).toEqual({ lo: [1, 0, 1], hi: [4, 2, 3] });
    expect(boundingBox([new Uint8Array(120)], dims)).toBeNull();
  });

  it('the distance transform is Infinity without features and 0 on them', () => {
    const d = squaredDistanceTransform(new Uint8Array(27), [3, 3, 3], [1, 1, 1]);
    expect([...d].every((x) => x === Infinity)).toBe(true);
    const f = fromIndices([3, 3, 3], [13]);
    const e = squaredDistanceTransform(f, [3, 3, 3], [1, 2, 3]);
    expect(e[13]).toBe(0);
    expect(e[0]).toBeCloseTo(1 + 4 + 9, 5);
  });

  it('the Hausdorff distance of one empty surface is Infinity', () => {
    const d = surfaceDistances(fromIndices([3, 3, 3], [0]), new Uint8Array(27), [3, 3, 3], [1, 1, 1]);
    expect(d.truthToPred.length).toBe(0);
    expect(hausdorffDistance(d)).toBe(Infinity);
  });

  it('summaries skip undefined and infinite values and count them', () => {
    const dims: Triple = [4, 4, 4];
    const some = { data: fromPredicate(dims, box([0, 0, 0], [1, 1, 1])), dims, spacing: [1, 1, 1] as Triple };
    const other = {
      data: fromPredicate(dims, box([1, 0, 0], [2, 1, 1])),
      dims,
      spacing: [1, 1, 1] as Triple,
    };
    const none = { data: new Uint8Array(64), dims, spacing: [1, 1, 1] as Triple };
    const s = summariseSegmentation([
      segmentationMetrics(some, some),
      segmentationMetrics(other, some),
      segmentationMetrics(some, none),
    ]);
    expect(s.cases).toEqual({ 'both-present': 2, 'both-empty': 0, 'truth-empty': 1, 'prediction-empty': 0 });
    expect(s.metrics.dice.n).toBe(3);
    expect(s.metrics.dice.mean).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(s.metrics.hd95.infiniteCount).toBe(1);
    expect(s.metrics.hd95.n).toBe(2);
    expect(s.metrics.sensitivity.undefinedCount).toBe(1);
    expect(s.metrics.dice.meanInterval.lower).toBeLessThanOrEqual(s.metrics.dice.mean);
    expect(s.metrics.dice.meanInterval.upper).toBeGreaterThanOrEqual(s.metrics.dice.mean);
  });
});
