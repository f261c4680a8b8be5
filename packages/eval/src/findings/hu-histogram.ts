/**
 * Hounsfield-unit histograms of lesion voxels and the ground-glass / consolidation split.
 * @module
 */

/** Histogram bins: `counts[b]` covers [min + b width, min + (b + 1) width). */
export interface HuHistogram {
  readonly min: number;
  readonly width: number;
  readonly counts: number[];
}

/** HU ranges of the density findings, half-open [lo, hi) except consolidation, closed at +200. */
export const densityRanges = {
  /** Ground-glass opacity: [-950, -300) HU. */
  groundGlass: [-950, -300],
  /** Consolidation: [-300, 200] HU. */
  consolidation: [-300, 200],
} as const;

/** The histogram range: the paper's preprocessing clip window [-1400, 200] HU in 10 HU bins. */
export const huHistogramRange = { min: -1400, max: 200, width: 10 } as const;

/** An empty histogram over {@link huHistogramRange}. */
export function emptyHuHistogram(): HuHistogram {
  const { min, max, width } = huHistogramRange;
  return { min, width, counts: new Array<number>(Math.round((max - min) / width)).fill(0) };
}

/** Adds one HU value; values outside the range (infinities too) go to the end bins, as the paper clips them; NaN is ignored. */
export function addToHistogram(h: HuHistogram, hu: number): void {
  if (Number.isNaN(hu)) return;
  const n = h.counts.length;
  let b = Math.floor((hu - h.min) / h.width);
  if (b < 0) b = 0;
  else if (b >= n) b = n - 1;
  h.counts[b] = (h.counts[b] as number) + 1;
}

/** Centre HU of each bin. */
export function binCentres(h: Pick<HuHistogram, 'min' | 'width' | 'counts'>): number[] {
  return h.counts.map((_, b) => h.min + (b + 0.5) * h.width);
}
