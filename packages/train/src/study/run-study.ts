/**
 * The study runner: trains every run (arm x seed) of a study into `<out>/runs/<arm>-seed<k>`
 * through the trainer (resuming from its checkpoint when one is there), evaluates each on the
 * shared held-out split in each scan's own geometry, and writes the study's tables and report.
 * A study started again skips finished runs (their records in `<out>/records/`) and resumes the
 * one in progress.
 * @module
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelClass } from '@deepsc/core';
import {
  aggregateCsv,
  aggregateStudy,
  comparedFindings,
  comparisonsCsv,
  loadRunFolder,
  renderStudyReportHtml,
  runsCsv,
  STUDY_RECORD_VERSION,
  type StudyAggregate,
  type StudyEfficiency,
  type StudyFindingTest,
  type StudyRunRecord,
} from '@deepsc/eval';
import { generateCohort, writeFileAtomic } from '@deepsc/io';
import { readCheckpointState } from '../checkpoint.js';
import { ConfigError } from '../config/config-error.js';
import { mergeConfig, resolveTrainConfig } from '../config/load-config.js';
import type { TrainConfig } from '../config/schema.js';
import { resolveTrainingModel, type TrainingModel } from '../config/training-model.js';
import { evaluateSplit } from '../evaluate-split.js';
import { predictorOf } from '../infer.js';
import { classIndexOf } from '../labels.js';
import type { ProgressOptions } from '../progress.js';
import { checkRunFolderPath } from '../run-folder.js';
import { acquireRunLock } from '../run-lock.js';
import { preprocessOptions, stepsPerEpoch, train } from '../trainer.js';
import { checkTrainingDevice } from '../training-device.js';
import { efficiencyKey, FULL_EFFICIENCY, measureEfficiency, QUICK_EFFICIENCY } from './study-efficiency.js';
import { claimStudyFolder, manifestHash, type StudyPin } from './study-pin.js';
import { readStudyJson, writeStudyJson } from './study-record-file.js';
import { type LoadedStudy, quickStudy, type StudySpec } from './study-spec.js';

/** Options of {@link runStudy}. */
export interface StudyOptions {
  /** Results folder. */
  out: string;
  /** Run the study's `quick` form. */
  quick?: boolean;
  /** Overrides applied to every run after the arm's own (`training.device=cuda`). */
  overrides?: readonly string[];
  /** Progress of each run's training; default off. */
  progress?: ProgressOptions;
  /** Messages for people: runs done / total and the time left; default none. */
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Stop each run's training after this many optimizer steps in all (as if interrupted); for tests. */
  stopAfterSteps?: number;
  /** Time the arms again even when `efficiency.json` holds this study's timings. */
  retime?: boolean;
}

/** One planned run. */
export interface PlannedRun {
  arm: string;
  seed: number;
  name: string;
  runDir: string;
  config: TrainConfig;
  /** The arm's model (`model.name` of the base and the arm's overrides; default deepsc-covid). */
  model: TrainingModel;
}

/** What {@link runStudy} produced. */
export interface StudyResult {
  status: 'completed' | 'interrupted';
  out: string;
  runs: StudyRunRecord[];
  /** Runs skipped because a previous start finished them. */
  skipped: number;
  total: number;
  aggregate?: StudyAggregate;
  /** The back-to-back timings (`efficiency.json`), measured now or by an earlier start. */
  efficiency?: StudyEfficiency;
  report?: string;
  seconds: number;
}

/** The name of a run's folder and record. */
export const studyRunName = (arm: string, seed: number) => `${arm}-seed${seed}`;

/**
 * Resolves every run's training configuration (before anything is written, so a bad override
 * in any arm is reported at once).
 * @throws ConfigError naming the study file, the arm and the field.
 */
export async function planStudy(
  study: LoadedStudy,
  spec: StudySpec,
  options: StudyOptions,
): Promise<PlannedRun[]> {
  const out = resolve(options.out);
  const manifest = spec.synthetic ? join(out, 'cohort', 'manifest.json') : undefined;
  const runs: PlannedRun[] = [];
  for (const arm of spec.arms)
    for (const seed of spec.seeds) {
      const name = studyRunName(arm.name, seed);
      const runDir = join(out, 'runs', name);
      const input = mergeConfig(
        // the arm's model section replaces the base's
        arm.model ? { ...spec.base, model: arm.model } : spec.base,
        {
          name,
          out: runDir,
          seed,
          ...(manifest ? { data: { manifest } } : {}),
        },
      );
      const config = resolveTrainConfig(input, {
        source: `${study.path} (arm ${arm.name})`,
        baseDir: study.baseDir,
        overrides: [...arm.set, ...(options.overrides ?? [])],
      });
      const model = await resolveTrainingModel(config, `${study.path} (arm ${arm.name})`);
      runs.push({ arm: arm.name, seed, name, runDir, config, model });
    }
  return runs;
}

const fmtMinutes = (s: number) => `${Math.max(0, s / 60).toFixed(1)} min`;

/**
 * Runs a study, holding the lock of its results folder throughout.
 * @throws ConfigError for a bad study or override (before anything is written); RunLockedError
 *   when another command holds the folder; RunFolderConflictError when the folder holds another
 *   study (or another form of this one); anything training and evaluation throw.
 */
export async function runStudy(study: LoadedStudy, options: StudyOptions): Promise<StudyResult> {
  const t0 = performance.now();
  const spec = options.quick ? quickStudy(study.spec, study.path) : study.spec;
  const out = resolve(options.out);
  const log = options.log ?? (() => undefined);
  const plan = await planStudy(study, spec, options);
  const classList = studyClasses(plan); // before anything is written
  checkTrainingDevice((plan[0] as PlannedRun).config.training.device, study.path);
  await checkRunFolderPath(out);
  await mkdir(out, { recursive: true });
  const lock = await acquireRunLock(out, 'deepsc study');
  try {
    const manifest = spec.synthetic ? undefined : (plan[0] as PlannedRun).config.data.manifest;
    const manifestSha256 = await manifestHash(manifest);
    const pin: StudyPin = {
      spec,
      quick: options.quick ?? false,
      overrides: options.overrides ?? [],
      ...(manifestSha256 ? { manifestSha256 } : {}),
    };
    const added = await claimStudyFolder(out, pin, manifest);
    if (added.length)
      log(`study: extends the study in ${out} with arm(s) ${added.join(', ')}; its finished runs are kept`);
    if (spec.synthetic) {
      const manifest = join(out, 'cohort', 'manifest.json');
      if (!(await exists(manifest))) {
        log(`generating ${spec.synthetic.scans} synthetic scans in ${join(out, 'cohort')}`);
        await generateCohort({
          out: join(out, 'cohort'),
          n: spec.synthetic.scans,
          seed: spec.synthetic.seed,
          inPlane: spec.synthetic.inPlane,
          slices: spec.synthetic.slices,
        });
      }
    }
    await mkdir(join(out, 'records'), { recursive: true });
    const records: StudyRunRecord[] = [];
    let skipped = 0;
    // what a stop by Ctrl-C (between runs, during a run's training or during the timing) returns
    const interrupted = (): StudyResult => ({
      status: 'interrupted',
      out,
      runs: records,
      skipped,
      total: plan.length,
      seconds: (performance.now() - t0) / 1000,
    });
    const work: RunWork[] = [];
    for (const run of plan) work.push(await runWork(out, run));
    // time spent this session per kind of work, for the time left
    const spent = { train: { seconds: 0, runs: 0 }, reevaluate: { seconds: 0, runs: 0 } };
    for (const [k, run] of plan.entries()) {
      const recordPath = join(out, 'records', `${run.name}.json`);
      const { kind, record: done } = work[k] as RunWork;
      const doneVersion = done ? (done.recordVersion ?? 1) : 0;
      if (kind === 'skip' || kind === 'keep-old') {
        if (kind === 'keep-old')
          log(
            `study: ${run.name}: its record is of version ${doneVersion} (now ${STUDY_RECORD_VERSION}) but its final checkpoint is gone; keeping the old record (columns it lacks stay empty)`,
          );
        records.push(done as StudyRunRecord);
        skipped++;
        continue;
      }
      // Ctrl-C during the cohort's generation (which cannot stop midway) or between runs
      if (options.signal?.aborted) return interrupted();
      const t = performance.now();
      log(
        done
          ? `study: run ${k + 1}/${plan.length}: ${run.name}: record of version ${doneVersion}, evaluating it again from its final checkpoint (no training)`
          : `study: run ${k + 1}/${plan.length}: ${run.name} (${armLabel(run)})`,
      );
      const record = await trainAndEvaluate(
        run,
        options,
        join(out, 'records', `${run.name}.training.json`),
        classList,
      );
      if (!record) return interrupted();
      await writeStudyJson(recordPath, record);
      records.push(record);
      spent[kind].seconds += (performance.now() - t) / 1000;
      spent[kind].runs++;
      // the runs left of each kind at the mean time of that kind this session
      let left = 0;
      for (const w of work.slice(k + 1))
        if (w.kind === 'train' || w.kind === 'reevaluate')
          left += spent[w.kind].runs ? spent[w.kind].seconds / spent[w.kind].runs : Number.NaN;
      log(
        `study: ${k + 1}/${plan.length} runs done; ${Number.isFinite(left) ? `about ${fmtMinutes(left)} left` : 'time left unknown until a run of each kind (trained, evaluated again) has finished'}`,
      );
    }
    // the tables and the report first (with this study's earlier timings, if any), so that a
    // failure or an interrupt of the timing phase leaves them written, marked "not timed"
    const key = efficiencyKey(pin);
    const was = await readStudyJson<StudyEfficiency>(join(out, 'efficiency.json'));
    let efficiency = !options.retime && was && timesEveryArm(was, key, spec) ? was : undefined;
    let aggregate = await writeResults(out, spec, records, efficiency);
    if (!efficiency) {
      const timed = await timeArms(out, spec, plan, key, options);
      if (timed === 'interrupted') return interrupted();
      if (timed) {
        efficiency = timed;
        aggregate = await writeResults(out, spec, records, efficiency);
      }
    }
    const report = join(out, 'report.html');
    return {
      status: 'completed',
      out,
      runs: records,
      skipped,
      total: plan.length,
      aggregate,
      ...(efficiency ? { efficiency } : {}),
      report,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await lock.release();
  }
}

/** The study's tables (`runs`, `aggregate`, `comparisons`; JSON and CSV) and `report.html`. */
async function writeResults(
  out: string,
  spec: StudySpec,
  records: readonly StudyRunRecord[],
  efficiency: StudyEfficiency | undefined,
): Promise<StudyAggregate> {
  const aggregate = aggregateStudy(records, {
    ...(efficiency ? { efficiency } : {}),
    name: spec.name,
    description: spec.description,
    arms: spec.arms.map((a) => a.name),
    ...(spec.ceiling !== undefined ? { ceiling: spec.ceiling } : {}),
    resamples: spec.resamples,
  });
  await writeStudyJson(join(out, 'runs.json'), records);
  await writeFileAtomic(join(out, 'runs.csv'), runsCsv(records, aggregate));
  await writeStudyJson(join(out, 'aggregate.json'), aggregate);
  await writeFileAtomic(join(out, 'aggregate.csv'), aggregateCsv(aggregate));
  await writeFileAtomic(join(out, 'comparisons.csv'), comparisonsCsv(aggregate));
  await writeFileAtomic(join(out, 'report.html'), renderStudyReportHtml(aggregate, records));
  return aggregate;
}

/** `efficiency.json` holds timings of this study (its key) for every arm. */
const timesEveryArm = (e: StudyEfficiency, key: string, spec: StudySpec) =>
  e.key === key && spec.arms.every((a) => e.arms.some((t) => t.arm === a.name));

/**
 * The efficiency phase: every arm timed now from its first seed's final checkpoint, written to
 * `<out>/efficiency.json`. An arm whose checkpoint is gone is left out (its timed columns stay
 * empty), with a message.
 * @returns undefined when no arm can be timed; 'interrupted' when the signal stopped it.
 */
async function timeArms(
  out: string,
  spec: StudySpec,
  plan: readonly PlannedRun[],
  key: string,
  options: StudyOptions,
): Promise<StudyEfficiency | undefined | 'interrupted'> {
  const log = options.log ?? (() => undefined);
  const path = join(out, 'efficiency.json');
  const firstSeed = spec.seeds[0] as number;
  const runs: PlannedRun[] = [];
  for (const arm of spec.arms) {
    const run = plan.find((p) => p.arm === arm.name && p.seed === firstSeed) as PlannedRun;
    if (await exists(join(run.runDir, 'checkpoints', 'last', 'state.json'))) runs.push(run);
    else log(`study: ${run.name} has no final checkpoint; arm ${arm.name} is not timed`);
  }
  if (runs.length === 0) return undefined;
  const how = options.quick ? QUICK_EFFICIENCY : FULL_EFFICIENCY;
  log(
    `study: timing ${runs.length} arm(s) back to back: ${how.steps} training step(s) and ${how.scans} held-out scan(s) each, ${how.repeats} repeat(s)`,
  );
  const measured = await measureEfficiency(runs, key, how, {
    ...(options.signal ? { signal: options.signal } : {}),
    log,
  });
  if (!measured) return 'interrupted';
  await writeStudyJson(path, measured);
  return measured;
}

/**
 * What a start does with a planned run: `skip` (its record is current), `reevaluate` (its record
 * is older: evaluate it again from its final checkpoint), `keep-old` (older, but the checkpoint
 * is gone: training it again from scratch would not be the run that was recorded), `train`
 * (no record: train, or resume, and evaluate).
 */
interface RunWork {
  kind: 'skip' | 'keep-old' | 'reevaluate' | 'train';
  record?: StudyRunRecord;
}

async function runWork(out: string, run: PlannedRun): Promise<RunWork> {
  const record = await readStudyJson<StudyRunRecord>(join(out, 'records', `${run.name}.json`));
  if (!record) return { kind: 'train' };
  if ((record.recordVersion ?? 1) >= STUDY_RECORD_VERSION) return { kind: 'skip', record };
  const checkpoint = await exists(join(run.runDir, 'checkpoints', 'last', 'state.json'));
  return { kind: checkpoint ? 'reevaluate' : 'keep-old', record };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Training time of a run over every session of the study that trained it (a run resumed after an
 * interrupt, or re-evaluated after a kill during its evaluation, keeps the time of the sessions
 * before): `records/<run>.training.json`.
 */
interface TrainingLedger {
  trainSeconds: number;
  /** Optimizer steps those sessions took. */
  steps: number;
}

/** What a run's record calls its arm's network: `model.variant` when the model has one (DeepSC-COVID), else the model's name. */
function armLabel(run: PlannedRun): string {
  const v = run.config.model.variant;
  return typeof v === 'string' ? v : run.model.spec.name;
}

/**
 * The classes a study's records share (the comparison tables index the scans' labels by them):
 * the first classifier's among the arms' models (DeepSC-COVID's for its variants), so an arm
 * without a classifier (segmentation-only, the U-Net) still records each scan's true class.
 * @throws ConfigError when two arms' classifiers have other classes.
 */
export function studyClasses(plan: readonly PlannedRun[]): readonly ModelClass[] {
  const withClasses = plan.filter((r) => r.model.tasks.classes?.length);
  const first = withClasses[0];
  if (!first) return [];
  const key = (r: PlannedRun) => JSON.stringify(r.model.tasks.classes);
  const other = withClasses.find((r) => key(r) !== key(first));
  if (other)
    throw new ConfigError('study', [
      `arms: ${other.arm} classifies into ${key(other)}, ${first.arm} into ${key(first)}; a study compares arms on one class list`,
    ]);
  return first.model.tasks.classes as readonly ModelClass[];
}

/** Trains (or resumes) one run and evaluates it; undefined when the training was interrupted. */
async function trainAndEvaluate(
  run: PlannedRun,
  options: StudyOptions,
  ledgerPath: string,
  studyClassList: readonly ModelClass[],
): Promise<StudyRunRecord | undefined> {
  const { config, runDir } = run;
  const before = (await readStudyJson<TrainingLedger>(ledgerPath)) ?? { trainSeconds: 0, steps: 0 };
  const stepsBefore = await readCheckpointState(join(runDir, 'checkpoints', 'last')).then(
    (r) => r.state.step,
    () => 0,
  );
  const t = performance.now();
  const trained = await train(config, {
    resume: 'auto',
    progress: options.progress ?? { style: 'off' },
    ...(options.log ? { notice: options.log } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stopAfterSteps !== undefined ? { stopAfterSteps: options.stopAfterSteps } : {}),
  });
  const { network } = trained;
  try {
    // a session that took no step (the run was trained; its evaluation had not finished) only
    // loaded the checkpoint: that is not training time
    const sessionSteps = trained.steps - stepsBefore;
    const ledger: TrainingLedger = {
      trainSeconds: before.trainSeconds + (sessionSteps > 0 ? (performance.now() - t) / 1000 : 0),
      steps: before.steps + sessionSteps,
    };
    await writeStudyJson(ledgerPath, ledger);
    if (trained.status === 'interrupted') return undefined;
    const epochsTrained = ledger.steps / stepsPerEpoch(config, trained.split.train.length);
    const trainSeconds = ledger.trainSeconds;
    const model = network.model;
    const parameters = model.trainableNames.reduce(
      (s, n) => s + model.parameter(n).shape.reduce((a: number, b: number) => a * b, 1),
      0,
    );
    const test = trained.split.test;
    const t1 = performance.now();
    const evaluation = await evaluateSplit(
      predictorOf(run.model.spec, network),
      test,
      preprocessOptions(config, run.model),
      runDir,
      { threshold: config.training.threshold },
    );
    const inferSecondsPerScan = (performance.now() - t1) / 1000 / Math.max(1, test.length);
    const data = await loadRunFolder(runDir, { maxScanViews: 0, bootstrap: { resamples: 1 } });
    const hd95 = new Map((data.segmentation?.perScan ?? []).map((s) => [s.id, s.metrics.hd95]));
    // the findings compare the study's first two classes (DeepSC-COVID: COVID-19 and CAP)
    const classes = studyClassList.map((c) => c.name);
    const labelOf = (id: string) => {
      const entry = test.find((e) => e.id === id) as (typeof test)[number];
      return classes.length ? classIndexOf(studyClassList, entry.label, id) : -1;
    };
    const pair = new Set<string>(classes.slice(0, 2));
    const tests = (source: 'truth' | 'prediction'): StudyFindingTest[] =>
      (data.findings.find((f) => f.source === source)?.differences ?? [])
        .filter((d) => pair.has(d.classA) && pair.has(d.classB))
        .map((d) => ({
          finding: d.finding,
          label: comparedFindings[d.finding].label,
          classA: d.classA,
          classB: d.classB,
          medianA: d.medianA,
          medianB: d.medianB,
          meanA: d.meanA,
          meanB: d.meanB,
          p: d.test.p,
        }));
    // findings per class need the labels, which the report reads from predictions.json: runs
    // without a classifier write none (their scans are all "unlabelled"), so only runs with both
    // outputs have findings
    const hasFindings = (data.findings.find((f) => f.source === 'prediction')?.classes ?? []).some(
      (c) => pair.has(c.className) && c.scans > 0,
    );
    return {
      recordVersion: STUDY_RECORD_VERSION,
      arm: run.arm,
      seed: run.seed,
      runDir,
      variant: armLabel(run),
      classes,
      epochs: trained.epochs,
      steps: trained.steps,
      parameters,
      forwardFlops: run.model.spec.forwardFlopsPerScan?.(run.model.config) ?? Number.NaN,
      trainSecondsPerEpoch: epochsTrained > 0 ? trainSeconds / epochsTrained : Number.NaN,
      inferSecondsPerScan,
      trainSeconds,
      scans: evaluation.scans.map((s) => ({
        id: s.id,
        label: labelOf(s.id),
        probabilities: s.probabilities,
        dice: s.dice,
        hd95: hd95.get(s.id) ?? Number.NaN,
        hasLesion: s.hasLesion,
      })),
      ...(hasFindings ? { findings: { truth: tests('truth'), prediction: tests('prediction') } } : {}),
      finishedAt: new Date().toISOString(),
    };
  } finally {
    network.model.dispose();
  }
}
