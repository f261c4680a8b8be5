/**
 * The findings of a cohort, per class, as plot-ready data: our version of the paper's database
 * figure (lesion count histogram, volume-ratio distribution, HU density curves, peripheral
 * fraction), on any cohort.
 * @module
 */
import { binCentres, huHistogramRange } from './hu-histogram.js';
import type { ScanFindings } from './scan-findings.js';

/** One scan's findings with its class. */
export interface LabelledFindings {
  readonly className: string;
  readonly findings: ScanFindings;
}

/** Count-histogram bins: 0, 1, ..., 9 lesions and "10 or more". */
export const lesionCountBins = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10+'] as const;

/** Plot data of one class. */
export interface ClassFindings {
  readonly className: string;
  readonly scans: number;
  /** Fraction of the class's scans per bin of {@link lesionCountBins}. */
  readonly countFractions: number[];
  /** Per scan: number of lesions. */
  readonly lesionCounts: number[];
  /** Per scan: lesion / lung volume ratio (0..1). */
  readonly volumeRatios: number[];
  /** HU bin centres of {@link huDensity}. */
  readonly huBinCentres: number[];
  /**
   * Mean over the class's scans with lesions of each scan's HU histogram normalised to a
   * density (integral 1 over HU), so every scan weighs the same, however large its lesions.
   */
  readonly huDensity: number[];
  /** Per scan with lesions: fraction of lesion volume within the peripheral distance. */
  readonly peripheralFractions: number[];
  /** Per scan with lesions: ground-glass and consolidation fractions. */
  readonly groundGlassFractions: number[];
  readonly consolidationFractions: number[];
  /** Fraction of the class's scans with bilateral lesions. */
  readonly bilateralRate: number;
  /** Per scan: 1 when its lesions are bilateral, else 0 (scans without lesions included, as in `bilateralRate`). */
  readonly bilateral: number[];
  /** Mean over scans with lesions of the upper / middle / lower zone fractions. */
  readonly zones: { readonly upper: number; readonly middle: number; readonly lower: number };
}

/**
 * Groups findings by class and turns them into plot data. Classes appear in the order of
 * `classes` when given (classes without scans get empty data), else in order of first appearance.
 * Scans without lesions count in the count histogram, the volume ratios and the bilateral rate
 * (as not bilateral) but not in the per-lesion-volume fractions, which are undefined for them.
 */
export function cohortFindings(
  items: readonly LabelledFindings[],
  classes?: readonly string[],
): ClassFindings[] {
  const names = classes ? [...classes] : [...new Set(items.map((x) => x.className))];
  return names.map((className) =>
    classFindings(
      className,
      items.filter((x) => x.className === className).map((x) => x.findings),
    ),
  );
}

function classFindings(className: string, scans: readonly ScanFindings[]): ClassFindings {
  const counts = new Array<number>(lesionCountBins.length).fill(0);
  for (const s of scans) {
    const b = Math.min(s.lesionCount, lesionCountBins.length - 1);
    counts[b] = (counts[b] as number) + 1;
  }
  const withLesion = scans.filter((s) => s.lesionCount > 0);
  const { min, max, width } = huHistogramRange;
  const bins = Math.round((max - min) / width);
  const density = new Array<number>(bins).fill(0);
  for (const s of withLesion) {
    const total = s.huHistogram.counts.reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    s.huHistogram.counts.forEach((c, b) => {
      density[b] = (density[b] as number) + c / total / width / withLesion.length;
    });
  }
  const mean = (v: number[]) => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length);
  return {
    className,
    scans: scans.length,
    countFractions: counts.map((c) => (scans.length === 0 ? 0 : c / scans.length)),
    lesionCounts: scans.map((s) => s.lesionCount),
    volumeRatios: scans.map((s) => s.lesionToLungRatio),
    huBinCentres: binCentres({ min, width, counts: density }),
    huDensity: density,
    peripheralFractions: withLesion.map((s) => s.peripheralFraction),
    groundGlassFractions: withLesion.map((s) => s.groundGlassFraction),
    consolidationFractions: withLesion.map((s) => s.consolidationFraction),
    bilateralRate:
      scans.length === 0
        ? Number.NaN
        : scans.filter((s) => s.laterality === 'bilateral').length / scans.length,
    bilateral: scans.map((s) => (s.laterality === 'bilateral' ? 1 : 0)),
    zones: {
      upper: mean(withLesion.map((s) => s.zones.upper)),
      middle: mean(withLesion.map((s) => s.zones.middle)),
      lower: mean(withLesion.map((s) => s.zones.lower)),
    },
  };
}
