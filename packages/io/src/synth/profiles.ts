/**
 * The class-specific lesion distributions of the synthetic cohort, written to follow the four
 * findings of Wang et al. (IEEE TMI 40(9), 2021) on COVID-19 versus community-acquired
 * pneumonia: count, volume ratio, density and location. `docs/data.md` sets them beside the
 * paper's findings and reports what a cohort drawn from them measures.
 * @module
 */
import type { Lobe } from './anatomy.js';

/** How one pneumonia class draws its lesions. */
export interface LesionProfile {
  /** Probability of a single lesion; otherwise 2 + Poisson(`extraMean`), capped at `maxCount`. */
  readonly singleProbability: number;
  readonly extraMean: number;
  readonly maxCount: number;
  /** Total lesion volume / lung volume: log-normal with this median and log-sd, clipped to [min, max]. */
  readonly volumeRatio: {
    readonly median: number;
    readonly sigma: number;
    readonly min: number;
    readonly max: number;
  };
  /** Ground-glass HU per lesion ~ N(mean, sd). */
  readonly ggoHu: { readonly mean: number; readonly sd: number };
  /** Consolidated fraction of each lesion's volume ~ Beta(a, b) (the dense core). */
  readonly consolidation: { readonly a: number; readonly b: number };
  /** Consolidation HU per lesion ~ N(mean, sd). */
  readonly consolidationHu: { readonly mean: number; readonly sd: number };
  /** Depth of each lesion centre below the lung surface, uniform in [min, max] mm. */
  readonly centreDepthMm: readonly [number, number];
  /** Lesion radius multiplier (peripheral lesions lose part of their volume to the lung edge). */
  readonly radiusFactor: number;
  /** Probability that all lesions sit in one lung. */
  readonly unilateralProbability: number;
  /** Relative weight of each lobe for lesion centres. */
  readonly lobeWeights: Readonly<Record<Lobe, number>>;
}

/** COVID-19: multifocal, large, ground glass, peripheral, bilateral, lower lobes. */
export const COVID_PROFILE: LesionProfile = {
  singleProbability: 0.05,
  extraMean: 7,
  maxCount: 16,
  volumeRatio: { median: 0.11, sigma: 0.75, min: 0.01, max: 0.6 },
  ggoHu: { mean: -760, sd: 45 },
  consolidation: { a: 1.2, b: 7 },
  consolidationHu: { mean: 90, sd: 30 },
  centreDepthMm: [4, 30],
  radiusFactor: 1.3,
  unilateralProbability: 0.1,
  lobeWeights: { RUL: 0.12, RML: 0.08, RLL: 0.3, LUL: 0.14, LLL: 0.36 },
};

/** CAP: mostly one lesion, small, with a consolidated core, central, unilateral, any lobe. */
export const CAP_PROFILE: LesionProfile = {
  singleProbability: 0.45,
  extraMean: 0.7,
  maxCount: 6,
  volumeRatio: { median: 0.025, sigma: 0.8, min: 0.002, max: 0.3 },
  ggoHu: { mean: -750, sd: 45 },
  consolidation: { a: 3, b: 3 },
  consolidationHu: { mean: 100, sd: 30 },
  centreDepthMm: [30, 70],
  radiusFactor: 1,
  unilateralProbability: 0.85,
  lobeWeights: { RUL: 0.24, RML: 0.1, RLL: 0.26, LUL: 0.2, LLL: 0.2 },
};

/** Options of the cohort's class mix and overlap. */
export interface ClassMixOptions {
  /**
   * Probability that a COVID-19 or CAP scan is drawn from the other pneumonia class's profile
   * (an atypical presentation: the genuinely confusable cases of real cohorts); default 0.1.
   */
  readonly atypicalProbability?: number;
}
