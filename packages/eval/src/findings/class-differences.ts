/**
 * Do two classes differ in a finding? Mann-Whitney U tests between every pair of classes, so a
 * user sees on their own cohort whether COVID-19 and CAP differ as the paper found.
 * @module
 */
import { type MannWhitneyResult, mannWhitneyU } from '../stats/mann-whitney.js';
import { percentile } from '../stats/percentile.js';
import type { ClassFindings } from './cohort-findings.js';

/** The per-scan findings compared between classes. */
export const comparedFindings = {
  lesionCount: { label: 'lesion count', values: (c: ClassFindings) => c.lesionCounts },
  volumeRatio: { label: 'lesion / lung volume', values: (c: ClassFindings) => c.volumeRatios },
  groundGlass: { label: 'ground-glass fraction', values: (c: ClassFindings) => c.groundGlassFractions },
  consolidation: { label: 'consolidation fraction', values: (c: ClassFindings) => c.consolidationFractions },
  peripheral: { label: 'peripheral fraction', values: (c: ClassFindings) => c.peripheralFractions },
  bilateral: { label: 'bilateral (1) or not (0)', values: (c: ClassFindings) => c.bilateral },
} as const;

/** One of {@link comparedFindings}. */
export type ComparedFinding = keyof typeof comparedFindings;

/** One finding compared between two classes. */
export interface ClassDifference {
  readonly finding: ComparedFinding;
  readonly classA: string;
  readonly classB: string;
  /** Medians of the finite per-scan values (NaN when none). */
  readonly medianA: number;
  readonly medianB: number;
  /** Means of the finite per-scan values (for `bilateral`: the share of scans with bilateral lesions). */
  readonly meanA: number;
  readonly meanB: number;
  /** Two-sided Mann-Whitney U test of A against B; `effect` = P(A > B) + P(A = B) / 2. */
  readonly test: MannWhitneyResult;
}

/**
 * Compares every finding between every pair of classes with at least `minScans` scans with a
 * value in each (default 2). p-values are not corrected for the number of comparisons.
 */
export function classDifferences(classes: readonly ClassFindings[], minScans = 2): ClassDifference[] {
  const out: ClassDifference[] = [];
  const median = (v: readonly number[]) => percentile(v.filter(Number.isFinite), 50);
  const mean = (v: readonly number[]) => {
    const f = v.filter(Number.isFinite);
    return f.length === 0 ? Number.NaN : f.reduce((a, b) => a + b, 0) / f.length;
  };
  for (let a = 0; a < classes.length; a++) {
    for (let b = a + 1; b < classes.length; b++) {
      const A = classes[a] as ClassFindings;
      const B = classes[b] as ClassFindings;
      for (const [finding, spec] of Object.entries(comparedFindings) as [
        ComparedFinding,
        (typeof comparedFindings)[ComparedFinding],
      ][]) {
        const va = spec.values(A);
        const vb = spec.values(B);
        if (va.filter(Number.isFinite).length < minScans || vb.filter(Number.isFinite).length < minScans)
          continue;
        out.push({
          finding,
          classA: A.className,
          classB: B.className,
          medianA: median(va),
          medianB: median(vb),
          meanA: mean(va),
          meanB: mean(vb),
          test: mannWhitneyU(va, vb),
        });
      }
    }
  }
  return out;
}
