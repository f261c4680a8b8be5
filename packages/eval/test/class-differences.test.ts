/**
 * Mann-Whitney comparisons of the per-scan findings between classes, "bilateral" included (a
 * yes/no finding per scan: its means are the shares of scans with bilateral lesions).
 */
import { describe, expect, it } from 'vitest';
import { classDifferences, comparedFindings } from '../src/findings/class-differences.js';
import type { ClassFindings } from '../src/findings/cohort-findings.js';
import { mannWhitneyU } from '../src/stats/mann-whitney.js';

/** A class whose scans have these bilateral flags and lesion counts (other findings empty). */
const cls = (
  className: string,
  bilateral: number[],
  counts = bilateral.map((b) => 1 + 3 * b),
): ClassFindings => ({
  className,
  scans: bilateral.length,
  countFractions: [],
  lesionCounts: counts,
  volumeRatios: [],
  huBinCentres: [],
  huDensity: [],
  peripheralFractions: [],
  groundGlassFractions: [],
  consolidationFractions: [],
  bilateralRate: bilateral.reduce((a, b) => a + b, 0) / bilateral.length,
  bilateral,
  zones: { upper: Number.NaN, middle: Number.NaN, lower: Number.NaN },
});

describe('classDifferences: bilateral', () => {
  it('is among the compared findings', () => {
    expect(Object.keys(comparedFindings)).toEqual([
      'lesionCount',
      'volumeRatio',
      'groundGlass',
      'consolidation',
      'peripheral',
      'bilateral',
    ]);
  });

  it.each([
    {
      what: 'mostly bilateral against mostly not',
      a: [1, 1, 1, 1, 1, 0],
      b: [0, 0, 0, 0, 0, 1],
      medians: [1, 0],
      means: [5 / 6, 1 / 6],
      // U = 5 x 5 pairs (1 > 0) + ties / 2 (5 x 1 + 1 x 5) / 2 = 30 of 36; tie-corrected
      // sigma^2 = 36 / 12 (13 - 2 (6^3 - 6) / (12 x 11)) = 29.45; z = (30 - 18 - 1/2) / 5.427 = 2.119
      effect: 30 / 36,
      p: 0.0341,
    },
    {
      what: 'the same shares',
      a: [1, 0, 1, 0],
      b: [0, 1, 0, 1],
      medians: [0.5, 0.5],
      means: [0.5, 0.5],
      effect: 0.5,
      p: 1,
    },
    {
      what: 'no scan bilateral (all tied)',
      a: [0, 0, 0],
      b: [0, 0],
      medians: [0, 0],
      means: [0, 0],
      effect: 0.5,
      p: Number.NaN,
    },
  ])('$what', ({ a, b, medians, means, effect, p }) => {
    const d = classDifferences([cls('COVID-19', a), cls('CAP', b)]).find((x) => x.finding === 'bilateral');
    expect(d).toBeDefined();
    expect([d?.classA, d?.classB]).toEqual(['COVID-19', 'CAP']);
    expect([d?.medianA, d?.medianB]).toEqual(medians);
    expect(d?.meanA).toBeCloseTo(means[0] as number, 12);
    expect(d?.meanB).toBeCloseTo(means[1] as number, 12);
    expect(d?.test.effect).toBeCloseTo(effect, 12);
    expect(d?.test).toEqual(mannWhitneyU(a, b));
    if (Number.isNaN(p)) expect(d?.test.p).toBeNaN();
    else expect(d?.test.p).toBeCloseTo(p, 3);
  });

  it('needs minScans scans in each class', () => {
    const ds = classDifferences([cls('COVID-19', [1, 1, 0]), cls('CAP', [0])]);
    expect(ds.find((x) => x.finding === 'bilateral')).toBeUndefined();
    expect(
      classDifferences([cls('COVID-19', [1, 1, 0]), cls('CAP', [0])], 1).some(
        (x) => x.finding === 'bilateral',
      ),
    ).toBe(true);
  });

  it('compares every pair of classes', () => {
    const ds = classDifferences([
      cls('COVID-19', [1, 1]),
      cls('CAP', [0, 0]),
      cls('non-pneumonia', [0, 0], [0, 0]),
    ]);
    expect(ds.filter((x) => x.finding === 'bilateral').map((x) => `${x.classA}/${x.classB}`)).toEqual([
      'COVID-19/CAP',
      'COVID-19/non-pneumonia',
      'CAP/non-pneumonia',
    ]);
  });
});
