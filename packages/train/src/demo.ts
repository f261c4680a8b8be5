/**
 * The demo: a synthetic cohort, a training run of the `demo` preset on its training split, the
 * held-out evaluation in each scan's own geometry, and the HTML report, in one call.
 * @module
 */
import { join, resolve } from 'node:path';
import { writeRunReport } from '@deepsc/eval';
import { generateCohort } from '@deepsc/io';
import { type ResolveOptions, resolveTrainConfig } from './config/load-config.js';
import type { TrainConfig } from './config/schema.js';
import { resolveTrainingModel } from './config/training-model.js';
import { evaluateSplit, type SplitEvaluation } from './evaluate-split.js';
import { predictorOf } from './infer.js';
import { MetricsLog } from './metrics-log.js';
import type { ProgressOptions } from './progress.js';
import {
  checkRunFolderPath,
  prepareRunFolder,
  RunFolderConflictError,
  runFolderEntries,
} from './run-folder.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { preprocessOptions, type TrainResult, train } from './trainer.js';
import { checkTrainingDevice } from './training-device.js';

/**
 * Classification accuracy a logistic regression reaches on the synthetic cohort's ground-truth
 * lesion findings (the cohort's separability ceiling: 0.914 +- 0.006, cross-validated, measured by
 * `packages/io/scripts/cohort-ceiling.ts` on 240 scans, docs/data.md section 8). An image model is
 * not expected to beat it.
 */
export const DEMO_COHORT_CEILING = 0.914;

/** Scans in the demo cohort by default. */
export const DEMO_SCANS = 400;

/**
 * Most scans a demo cohort may have: 5,000 scans are about 1 GB on disk and hours of training on
 * 2 cores; more is a typo, not a demo.
 */
export const MAX_DEMO_SCANS = 5000;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Output folder (cohort, run, report); default `deepsc-demo`. */
  out?: string;
  /** Scans in the cohort; default 400 (279 train, 41 validation, 80 test with seed 0); at most {@link MAX_DEMO_SCANS}. */
  scans?: number;
  /** Replace a previous demo's run folder (`<out>/run`); without it a non-empty one is refused. */
  overwrite?: boolean;
  /** Seed of the cohort and the training; default 0. */
  seed?: number;
  /** Overrides of the demo configuration (`training.epochs=2`, `training.device=cuda`). */
  overrides?: readonly string[];
  progress?: ProgressOptions;
  signal?: AbortSignal;
  /** Messages for people (stage starts); default none. */
  log?: (message: string) => void;
}

/** What the demo produced. */
export interface DemoResult {
  config: TrainConfig;
  training: Omit<TrainResult, 'network' | 'model'>;
  evaluation: SplitEvaluation;
  ceiling: number;
  report: string;
  runDir: string;
  cohortDir: string;
  seconds: { synth: number; train: number; evaluate: number; report: number; total: number };
}

/**
 * Runs the demo end to end, holding the lock of its run folder `<out>/run` throughout.
 * @throws ConfigError for bad overrides or `training.device: 'cuda'` where CUDA is unavailable;
 *   RangeError for a scan count outside [10, MAX_DEMO_SCANS]; RunLockedError when another
 *   command holds the run folder; RunFolderConflictError when it holds a previous demo and `overwrite`
 *   is not set (all before the cohort is generated); anything the stages throw.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = resolve(options.out ?? 'deepsc-demo');
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => undefined);
  const t0 = performance.now();
  const cohortDir = join(out, 'cohort');
  const n = options.scans ?? DEMO_SCANS;
  const runDir = join(out, 'run');
  const resolveOptions: ResolveOptions = { source: 'demo', baseDir: out, overrides: options.overrides ?? [] };
  const demoConfig = (manifest: string) =>
    resolveTrainConfig(
      {
        preset: 'demo',
        name: 'deepsc-demo',
        seed,
        out: runDir,
        data: { manifest, split: { train: 0.7, val: 0.1, test: 0.2, seed } },
      },
      resolveOptions,
    );
  if (!Number.isInteger(n) || n < 10 || n > MAX_DEMO_SCANS)
    throw new RangeError(`demo scans: got ${n}; allowed: an integer from 10 to ${MAX_DEMO_SCANS}`);
  // overrides and the device are checked before minutes go into generating the cohort
  const planned = demoConfig(join(cohortDir, 'manifest.json'));
  await resolveTrainingModel(planned, 'demo');
  checkTrainingDevice(planned.training.device, 'demo');
  await checkRunFolderPath(out);
  await checkRunFolderPath(runDir);
  const lock = await acquireRunLock(runDir, 'deepsc demo');
  try {
    const present = await runFolderEntries(runDir);
    if (present.length && !options.overwrite)
      throw new RunFolderConflictError(
        runDir,
        `holds a previous demo (${present.slice(0, 4).join(', ')}${present.length > 4 ? ', ...' : ''}); pass --overwrite to replace it, or --out <another folder>`,
      );
    for (const note of (await prepareRunFolder(runDir, { overwrite: true })).notes) log(note);
    return await runDemoLocked(options, { out, seed, log, t0, cohortDir, n, runDir, demoConfig, lock });
  } finally {
    await lock.release();
  }
}

async function runDemoLocked(
  options: DemoOptions,
  c: {
    out: string;
    seed: number;
    log: (message: string) => void;
    t0: number;
    cohortDir: string;
    n: number;
    runDir: string;
    demoConfig: (manifest: string) => TrainConfig;
    lock: RunLock;
  },
): Promise<DemoResult> {
  const { seed, log, t0, cohortDir, n, runDir, demoConfig } = c;
  log(`generating ${n} synthetic scans in ${cohortDir}`);
  const cohort = await generateCohort({ out: cohortDir, n, seed, inPlane: 64, slices: [32, 48] });
  const t1 = performance.now();
  const config = demoConfig(cohort.manifestJson);
  log(
    `training ${config.model.name} (${String(config.model.preset ?? 'default')} preset, ${config.training.epochs} epochs) in ${runDir}`,
  );
  const trained = await train(config, {
    runLock: c.lock,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const t2 = performance.now();
  const { network, model, ...training } = trained;
  try {
    if (training.status === 'interrupted') {
      return {
        config,
        training,
        evaluation: { scans: [], accuracy: Number.NaN, lesionDice: Number.NaN, meanDiceAllScans: Number.NaN },
        ceiling: DEMO_COHORT_CEILING,
        report: '',
        runDir,
        cohortDir,
        seconds: {
          synth: (t1 - t0) / 1000,
          train: (t2 - t1) / 1000,
          evaluate: 0,
          report: 0,
          total: (t2 - t0) / 1000,
        },
      };
    }
    log(`evaluating on ${trained.split.test.length} held-out scans`);
    const evaluation = await evaluateSplit(
      predictorOf(model.spec, network),
      trained.split.test,
      preprocessOptions(config, model),
      runDir,
      { threshold: config.training.threshold },
    );
    await new MetricsLog(join(runDir, 'metrics.jsonl')).write({
      epoch: training.epochs,
      split: 'test',
      step: training.steps,
      accuracy: evaluation.accuracy,
      dice: evaluation.lesionDice,
    });
    const t3 = performance.now();
    const report = await writeRunReport(runDir);
    const t4 = performance.now();
    return {
      config,
      training,
      evaluation,
      ceiling: DEMO_COHORT_CEILING,
      report: report.path,
      runDir,
      cohortDir,
      seconds: {
        synth: (t1 - t0) / 1000,
        train: (t2 - t1) / 1000,
        evaluate: (t3 - t2) / 1000,
        report: (t4 - t3) / 1000,
        total: (t4 - t0) / 1000,
      },
    };
  } finally {
    network.model.dispose();
  }
}
