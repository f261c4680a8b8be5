import { readFileSync } from 'node:fs';
import type { Affine } from '@deepsc/io';
import { scaledAffine } from '@deepsc/io';
import { describe, expect, it } from 'vitest';
import {
  cohortFindings,
  connectedComponents26,
  type FindingsOptions,
  lesionFindings,
  type ScanFindings,
  type Triple,
} from '../src/index.js';
import { ball, box, fromIndices, fromPredicate } from './support/masks.js';

const fx = JSON.parse(readFileSync(new URL('./fixtures/findings.json', import.meta.url), 'utf8')) as {
  dims: Triple;
  spacing: Triple;
  affine: Affine;
  lung: number[];
  lesion: number[];
  ctBackground: number;
  ctAtLesion: number[];
  minLesionMm3: number;
  expected: Record<string, number | number[]>;
};

function scan(
  dims: Triple,
  spacing: Triple,
  lung: Uint8Array,
  lesion: Uint8Array,
  ct?: Float32Array,
  affine: Affine = scaledAffine(spacing),
) {
  const hu = ct ?? new Float32Array(lung.length).fill(-800);
  return {
    lesion: { data: lesion, dims, spacing },
    lung: { data: lung, dims, spacing },
    ct: { data: hu, dims, spacing },
    affine,
  };
}

describe('lesion findings against scipy (fixtures/make_fixtures.py)', () => {
  const ct = new Float32Array(fx.dims[0] * fx.dims[1] * fx.dims[2]).fill(fx.ctBackground);
  fx.lesion.forEach((v, n) => {
    ct[v] = fx.ctAtLesion[n] as number;
  });
  const input = scan(
    fx.dims,
    fx.spacing,
    fromIndices(fx.dims, fx.lung),
    fromIndices(fx.dims, fx.lesion),
    ct,
    fx.affine,
  );

  it('count, volumes, density and peripheral fraction at 35 mm', () => {
    const f = lesionFindings(input, { minLesionMm3: fx.minLesionMm3 });
    const e = fx.expected;
    expect(f.lesionCount).toBe(e.lesionCount);
    expect(f.componentVolumesMm3).toEqual(
      (e.componentVolumesMm3 as number[]).map((x) => expect.closeTo(x, 6)),
    );
    expect(f.lesionVolumeMm3).toBeCloseTo(e.lesionVolumeMm3 as number, 6);
    expect(f.lesionToLungRatio).toBeCloseTo(e.lesionToLungRatio as number, 12);
    expect(f.groundGlassFraction).toBeCloseTo(e.groundGlassFraction as number, 12);
    expect(f.consolidationFraction).toBeCloseTo(e.consolidationFraction as number, 12);
    expect(f.meanHu).toBeCloseTo(e.meanHu as number, 6);
    expect(f.peripheralFraction).toBeCloseTo(e.peripheralFraction as number, 12);
    expect(f.huHistogram.counts.reduce((a, b) => a + b, 0) * 2 * 2 * 3).toBeCloseTo(f.lesionVolumeMm3, 6);
  });

  it('peripheral fraction at 10 mm', () => {
    const f = lesionFindings(input, { minLesionMm3: fx.minLesionMm3, peripheralDistanceMm: 10 });
    expect(f.peripheralFraction).toBeCloseTo(fx.expected.peripheralFraction10 as number, 12);
  });
});

describe('lesion findings on constructed scans', () => {
  // 40 x 40 x 40 voxels of 2 mm: lungs fill i in [2, 17] (RAS x small: patient left) and [22, 37] (right)
  const dims: Triple = [40, 40, 40];
  const sp: Triple = [2, 2, 2];
  const lungs = fromPredicate(
    dims,
    (i, j, k) => box([2, 2, 2], [17, 37, 37])(i, j, k) || box([22, 2, 2], [37, 37, 37])(i, j, k),
  );
  const run = (lesion: (i: number, j: number, k: number) => boolean, o: FindingsOptions = {}, lung = lungs) =>
    lesionFindings(scan(dims, sp, lung, fromPredicate(dims, lesion)), o);

  it('two separate blobs count 2; diagonal neighbours join (26-connectivity)', () => {
    expect(run((i, j, k) => ball([8, 10, 10], 2)(i, j, k) || ball([8, 25, 25], 2)(i, j, k)).lesionCount).toBe(
      2,
    );
    expect(
      run((i, j, k) => (i === 8 && j === 8 && k === 8) || (i === 9 && j === 9 && k === 9), {
        minLesionMm3: 0,
      }).lesionCount,
    ).toBe(1);
  });

  it('components under minLesionMm3 are dropped from every finding', () => {
    const f = run((i, j, k) => ball([8, 10, 10], 2)(i, j, k) || (i === 30 && j === 30 && k === 30), {
      minLesionMm3: 10,
    });
    expect(f.lesionCount).toBe(1);
    expect(f.laterality).toBe('left');
    expect(f.leftFraction).toBe(1);
    expect(run((i, j, k) => i === 30 && j === 30 && k === 30, { minLesionMm3: 8 }).lesionCount).toBe(1);
  });

  it('a blob at the lung edge is peripheral, one deep inside a large lung is not', () => {
    expect(run(box([2, 18, 18], [3, 20, 20])).peripheralFraction).toBe(1);
    const big = new Uint8Array(40 ** 3).fill(1);
    // 80 mm cube of lung: its centre lies 40 mm from the edge
    expect(run(ball([19.5, 19.5, 19.5], 1.5), {}, big).peripheralFraction).toBe(0);
    expect(run(ball([19.5, 19.5, 19.5], 1.5), { peripheralDistanceMm: 45 }, big).peripheralFraction).toBe(1);
  });

  it('left / right by RAS x (+x = patient right) and bilateral', () => {
    // the identity-like affine puts small i at small RAS x: the patient's left
    const left = run(ball([8, 20, 20], 3));
    expect(left).toMatchObject({ laterality: 'left', leftFraction: 1, rightFraction: 0 });
    const right = run(ball([30, 20, 20], 3));
    expect(right).toMatchObject({ laterality: 'right', rightFraction: 1 });
    const both = run((i, j, k) => ball([8, 20, 20], 3)(i, j, k) || ball([30, 20, 20], 3)(i, j, k));
    expect(both.laterality).toBe('bilateral');
    expect(both.leftFraction).toBeCloseTo(0.5, 12);
  });

  it('a flipped affine (LPS-like storage) swaps the sides', () => {
    const flipped: Affine = [
      [-2, 0, 0, 80],
      [0, 2, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 1],
    ];
    const f = lesionFindings(
      scan(dims, sp, lungs, fromPredicate(dims, ball([8, 20, 20], 3)), undefined, flipped),
    );
    expect(f.laterality).toBe('right');
  });

  it('lung labels decide the side when given', () => {
    const labelled = new Uint8Array(lungs.length);
    // label the lung at small i (RAS left) as "right" (1): the labels win over RAS x
    lungs.forEach((v, n) => {
      if (v) labelled[n] = n % 40 < 20 ? 1 : 2;
    });
    const f = run(ball([8, 20, 20], 3), { lungLabels: { right: 1, left: 2 } }, labelled);
    expect(f.laterality).toBe('right');
  });

  it.each([
    ['upper', box([5, 10, 30], [10, 15, 36]), { upper: 1, middle: 0, lower: 0 }],
    ['middle', box([5, 10, 17], [10, 15, 22]), { upper: 0, middle: 1, lower: 0 }],
    ['lower', box([5, 10, 2], [10, 15, 8]), { upper: 0, middle: 0, lower: 1 }],
  ] as const)('zone: %s third of the lung height', (_n, lesion, zones) => {
    expect(run(lesion).zones).toEqual(zones);
  });

  it('density: ground-glass and consolidation fractions from the HU ranges', () => {
    const lesion = fromPredicate(dims, box([5, 5, 5], [8, 8, 8]));
    const ct = new Float32Array(lungs.length).fill(-850);
    let n = 0;
    lesion.forEach((v, idx) => {
      if (!v) return;
      // 64 voxels: 32 at -700 (GGO), 16 at -300 (consolidation, boundary), 16 at 500 (neither)
      ct[idx] = n < 32 ? -700 : n < 48 ? -300 : 500;
      n++;
    });
    const f = lesionFindings(scan(dims, sp, lungs, lesion, ct));
    expect(f.groundGlassFraction).toBe(0.5);
    expect(f.consolidationFraction).toBe(0.25);
    expect(f.meanHu).toBeCloseTo((32 * -700 + 16 * -300 + 16 * 500) / 64, 9);
    expect(f.huHistogram.counts[(-700 + 1400) / 10]).toBe(32);
    expect(f.huHistogram.counts.at(-1)).toBe(16);
    // NaN HU voxels drop out of the density findings only
    let first = -1;
    lesion.forEach((v, idx) => {
      if (v && first < 0) first = idx;
    });
    ct[first] = Number.NaN;
    const g = lesionFindings(scan(dims, sp, lungs, lesion, ct));
    expect(g.lesionVolumeMm3).toBe(64 * 8);
    expect(g.groundGlassFraction).toBeCloseTo(31 / 63, 12);
    expect(g.huHistogram.counts.reduce((a, b) => a + b, 0)).toBe(63);
    expect(Number.isFinite(g.meanHu)).toBe(true);
  });

  it('volume ratio counts lesions outside the lung mask as lung', () => {
    const lung = fromPredicate(dims, box([0, 0, 0], [9, 9, 9]));
    const f = run(box([10, 0, 0], [19, 9, 9]), {}, lung);
    expect(f.lesionToLungRatio).toBe(0.5);
    expect(f.lungVolumeMm3).toBe(2000 * 8);
  });

  it('no lesion: count 0, fractions undefined, laterality none', () => {
    const f = run(() => false);
    expect(f).toMatchObject({ lesionCount: 0, lesionVolumeMm3: 0, lesionToLungRatio: 0, laterality: 'none' });
    expect(f.peripheralFraction).toBeNaN();
    expect(f.zones.upper).toBeNaN();
  });

  it.each([
    [{ minLesionMm3: -1 }, /minLesionMm3/],
    [{ peripheralDistanceMm: 0 }, /peripheralDistanceMm/],
  ])('rejects %o', (o, msg) => {
    expect(() => run(() => false, o)).toThrow(msg);
  });

  it('rejects an empty lung mask and mismatched grids', () => {
    expect(() => run(ball([8, 20, 20], 3), {}, new Uint8Array(lungs.length))).toThrow(/lung mask is empty/);
    const bad = scan(dims, sp, lungs, lungs);
    expect(() => lesionFindings({ ...bad, ct: { ...bad.ct, spacing: [2, 2, 3] } })).toThrow(
      /lesion .* and ct .* are not on the same voxel grid/,
    );
  });
});

describe('connected components', () => {
  it('labels 26-connected components', () => {
    const dims: Triple = [5, 5, 5];
    const m = fromIndices(dims, [0, 1 + 5 * (1 + 5 * 1), 4 + 5 * (4 + 5 * 4), 24]);
    const c = connectedComponents26(m, dims);
    expect(c.sizes).toEqual([2, 1, 1]);
  });
});

describe('cohort findings', () => {
  const f = (count: number, ratio: number, lat: ScanFindings['laterality'], peri: number): ScanFindings => {
    const counts = new Array(160).fill(0);
    counts[60] = count > 0 ? 10 : 0;
    return {
      lesionCount: count,
      componentVolumesMm3: [],
      lesionVolumeMm3: 0,
      lungVolumeMm3: 1,
      lesionToLungRatio: ratio,
      huHistogram: { min: -1400, width: 10, counts },
      meanHu: -800,
      groundGlassFraction: 1,
      consolidationFraction: 0,
      peripheralFraction: peri,
      peripheralDistanceMm: 35,
      leftFraction: 0.5,
      rightFraction: 0.5,
      laterality: lat,
      zones: { upper: 0.2, middle: 0.3, lower: 0.5 },
    };
  };
  const c = cohortFindings(
    [
      { className: 'CAP', findings: f(1, 0.02, 'right', 0.3) },
      { className: 'COVID-19', findings: f(12, 0.3, 'bilateral', 0.9) },
      { className: 'COVID-19', findings: f(4, 0.2, 'bilateral', 0.7) },
      { className: 'CAP', findings: f(0, 0, 'none', Number.NaN) },
    ],
    ['COVID-19', 'CAP', 'non-pneumonia'],
  );

  it('groups by class in the given order, with empty classes', () => {
    expect(c.map((x) => [x.className, x.scans])).toEqual([
      ['COVID-19', 2],
      ['CAP', 2],
      ['non-pneumonia', 0],
    ]);
  });

  it('count histogram, ratios, peripheral fractions, bilateral rate', () => {
    const [covid, cap] = c;
    expect(covid!.countFractions[4]).toBe(0.5);
    expect(covid!.countFractions[10]).toBe(0.5);
    expect(cap!.countFractions[0]).toBe(0.5);
    expect(cap!.countFractions[1]).toBe(0.5);
    expect(covid!.volumeRatios).toEqual([0.3, 0.2]);
    expect(cap!.peripheralFractions).toEqual([0.3]);
    expect(covid!.bilateralRate).toBe(1);
    expect(cap!.bilateralRate).toBe(0);
    // per scan, in input order; the CAP scan without lesions counts as not bilateral
    expect(covid!.bilateral).toEqual([1, 1]);
    expect(cap!.bilateral).toEqual([0, 0]);
    expect(covid!.zones.lower).toBeCloseTo(0.5, 12);
  });

  it("HU density integrates to 1 and peaks at the lesions' bin", () => {
    const covid = c[0]!;
    expect(covid.huDensity.reduce((a, b) => a + b, 0) * 10).toBeCloseTo(1, 12);
    expect(covid.huBinCentres[60]).toBe(-795);
    expect(covid.huDensity[60]).toBeCloseTo(0.1, 12);
  });
});
