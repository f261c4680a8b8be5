/**
 * What a study run leaves for the study's tables and report: one record per trained and
 * evaluated run (arm x seed), with its per-scan results on the shared held-out split.
 * @module
 */
import type { Interval } from '../../stats/bootstrap.js';

/** One held-out scan's result in one run. */
export interface StudyScanResult {
  readonly id: string;
  /** True class index. */
  readonly label: number;
  /** Class probabilities (empty without a classifier). */
  readonly probabilities: readonly number[];
  /** Lesion Dice on the scan's own grid (NaN without a lesion output). */
  readonly dice: number;
  /** Symmetric 95th-percentile Hausdorff distance, mm (NaN / Infinity as `segmentationMetrics` gives). */
  readonly hd95: number;
  /** Whether the true mask holds lesion. */
  readonly hasLesion: boolean;
}

/** A lesion finding compared between two classes by a Mann-Whitney U test. */
export interface StudyFindingTest {
  readonly finding: string;
  readonly label: string;
  readonly classA: string;
  readonly classB: string;
  readonly medianA: number;
  readonly medianB: number;
  /** Means (for `bilateral`: the share of scans with bilateral lesions); absent in records before version 3. */
  readonly meanA?: number;
  readonly meanB?: number;
  readonly p: number;
}

/**
 * Version of {@link StudyRunRecord} this code writes. A study skips a finished run only when its
 * record is of this version; an older record is brought up to date by evaluating the run again
 * from its final checkpoint (no training). 1 (no `recordVersion` field): before forward FLOPs;
 * 2: `forwardFlops` per scan; 3: the findings include `bilateral` and carry means.
 */
export const STUDY_RECORD_VERSION = 3;

/** One finished run of a study. */
export interface StudyRunRecord {
  /** {@link STUDY_RECORD_VERSION} of the code that wrote it; absent in version 1. */
  readonly recordVersion?: number;
  readonly arm: string;
  readonly seed: number;
  /** The run folder. */
  readonly runDir: string;
  /** `model.variant` of the run's configuration. */
  readonly variant: string;
  readonly classes: readonly string[];
  readonly epochs: number;
  readonly steps: number;
  /** Trainable parameters. */
  readonly parameters: number;
  /**
   * Forward FLOPs per scan as inference runs it (`forwardFlopsPerScan` of @deepsc/core: one
   * inference forward per sliding window, 2 x MACs for convolutions); NaN in records of version 1.
   */
  readonly forwardFlops: number;
  /** Training wall time per epoch, s (over the epochs trained in the last session of the run). */
  readonly trainSecondsPerEpoch: number;
  /** Held-out inference wall time per scan (reading, preprocessing, sliding windows, resampling back), s. */
  readonly inferSecondsPerScan: number;
  /** Total training wall time over the sessions the study saw, s. */
  readonly trainSeconds: number;
  readonly scans: readonly StudyScanResult[];
  /** Lesion findings from the true and the predicted masks, COVID-19 against CAP (runs with a lesion output). */
  readonly findings?: {
    readonly truth: readonly StudyFindingTest[];
    readonly prediction: readonly StudyFindingTest[];
  };
  /** ISO 8601 time the run finished. */
  readonly finishedAt: string;
}

/** One arm's back-to-back timing (see {@link StudyEfficiency}). */
export interface ArmTiming {
  readonly arm: string;
  /** The seed whose final checkpoint was timed (the study's first). */
  readonly seed: number;
  /** Optimizer steps per epoch of the arm's runs (to scale a step to an epoch). */
  readonly stepsPerEpoch: number;
  /** Per repeat: seconds per training step (sampling and augmentation included, reading excluded). */
  readonly trainSecondsPerStepRepeats: readonly number[];
  /** Per repeat: seconds per held-out scan of network inference (sliding windows on the prepared scan). */
  readonly inferSecondsPerScanRepeats: readonly number[];
  /** Medians over the repeats. */
  readonly trainSecondsPerStep: number;
  /** `trainSecondsPerStep` x `stepsPerEpoch`. */
  readonly trainSecondsPerEpoch: number;
  readonly inferSecondsPerScan: number;
}

/**
 * The study's efficiency phase (`efficiency.json`): after every run, each arm's first-seed final
 * checkpoint is timed on the same training scans and held-out scans, the arms interleaved
 * round-robin and repeated, so that every arm sees the same machine load.
 */
export interface StudyEfficiency {
  /** Which study (spec, form, overrides) it was measured for: a different one measures again. */
  readonly key: string;
  /** Timed training steps per arm and repeat (after one warm-up step). */
  readonly steps: number;
  /** Timed held-out scans per arm and repeat (after one warm-up scan). */
  readonly scans: number;
  readonly repeats: number;
  /** Threads of the engine's pool. */
  readonly threads: number;
  /** `os.loadavg()` (1, 5, 15 min) before and after the phase. */
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  /** The training and held-out scan ids timed (the same for every arm). */
  readonly trainScans: readonly string[];
  readonly heldOutScans: readonly string[];
  readonly measuredAt: string;
  readonly arms: readonly ArmTiming[];
}

/** A metric of the aggregate table. */
export interface ArmMetric {
  /** Mean over seeds of the per-run value. */
  readonly mean: number;
  /** Sample standard deviation over seeds (NaN for one seed). */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  /** Percentile-bootstrap 95% interval over scans of the seed-averaged metric. */
  readonly ci: Interval;
  /** Per-run values in seed order. */
  readonly perSeed: readonly number[];
}

/** One arm's aggregate. */
export interface ArmAggregate {
  readonly arm: string;
  readonly variant: string;
  readonly seeds: readonly number[];
  readonly metrics: Readonly<Record<string, ArmMetric>>;
  readonly efficiency: ArmEfficiency;
}

/**
 * An arm's cost. `timed*`: measured back to back after the runs (`efficiency.json`; NaN when
 * the phase did not run); `trainSecondsPerEpoch` / `inferSecondsPerScan`: measured during the
 * runs (mean over seeds), skewed by whatever else the machine did then.
 */
export interface ArmEfficiency {
  readonly parameters: number;
  readonly forwardFlops: number;
  readonly timedTrainSecondsPerStep: number;
  readonly timedTrainSecondsPerEpoch: number;
  readonly timedInferSecondsPerScan: number;
  readonly trainSecondsPerEpoch: number;
  readonly inferSecondsPerScan: number;
}

/** Arm A against arm B on one metric, paired on the same scans and seeds. */
export interface PairedComparison {
  readonly armA: string;
  readonly armB: string;
  readonly metric: string;
  /** Seeds both arms ran with (the pairs). */
  readonly seeds: number;
  /** Scans with a value in both arms. */
  readonly scans: number;
  /** Mean of A minus B, with its paired-bootstrap 95% interval (scans resampled, every seed of a scan together). */
  readonly difference: Interval;
  /** Two-sided paired sign-flip permutation p-value of the per-scan differences averaged over seeds. */
  readonly p: number;
}

/** The study's aggregate: what `aggregate.json` holds. */
export interface StudyAggregate {
  readonly name: string;
  readonly description: string;
  readonly classes: readonly string[];
  /** Held-out scans every run was evaluated on. */
  readonly heldOutScans: number;
  readonly ceiling?: number;
  readonly resamples: number;
  readonly arms: readonly ArmAggregate[];
  readonly comparisons: readonly PairedComparison[];
  /** Arms 1 + 2 (segmentation-only and classification-only) together against the joint arms, when both exist. */
  readonly separateNetworks?: ArmEfficiency & { readonly arms: readonly [string, string] };
  /** How the back-to-back times were measured (absent when the phase did not run). */
  readonly timing?: Omit<StudyEfficiency, 'arms' | 'key'>;
  readonly createdAt: string;
  /** Wall time of the study's training and evaluation, s (sum over runs). */
  readonly wallSeconds: number;
}
