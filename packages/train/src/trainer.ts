/**
 * The trainer: any model (a {@link ModelSpec} of `@deepsc/core`, chosen by `model.name` through
 * the model registry) from a manifest, as a loop over the model's `makeBatch` and
 * `trainingStep` with small handlers for the rest (`handlers/`): the learning-rate schedule,
 * the train metrics, the progress display, validation, the best checkpoint with early
 * stopping, and checkpoints with an exact resume; Ctrl-C through an AbortSignal.
 *
 * Determinism: every random choice of epoch e, micro-batch m is drawn from a stream seeded by
 * (seed, e, m) and the data order of epoch e from (seed, e), so a run resumed from any
 * checkpoint takes exactly the steps the uninterrupted run would have taken; with the engine's
 * fixed-order reductions the weights are bit-identical on the CPU, and (deterministic kernels)
 * on the same GPU model with `training.device: 'cuda'`. A checkpoint resumes on either device;
 * across devices the run continues within float rounding, not bit for bit (docs/training.md).
 *
 * Gradient accumulation (`training.accumulate` = k): each optimizer step takes k scans in
 * order, one micro-batch each (m = step k + j), and steps with the mean of their gradients,
 * which is the step of a batch of k scans (see `CompiledModel.backward`). Steps, schedules,
 * logs, progress and checkpoints count optimizer steps; checkpoints fall on step boundaries.
 *
 * Data parallelism (`TrainOptions.distributed`, N processes): `accumulate` stays the global
 * batch; each rank takes k / N of every step's micro-batches (`distributed-sampler.ts`) with
 * their single-process random streams, the engine all-reduces the gradients during the last
 * micro-batch's backward, and every rank steps with the mean over all k. Rank 0 alone writes
 * the run folder (lock, logs, validation, checkpoints); the others wait for it at a barrier.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  version as coreVersion,
  type ModelInstance,
  type ModelStepOptions,
  type ModelStepResult,
} from '@deepsc/core';
import {
  type ManifestEntry,
  makeDirectory,
  type PreparedScan,
  type PreprocessOptions,
  Rng,
  readManifest,
  ScanLoader,
  stratifiedSplit,
} from '@deepsc/io';
import { augmentScan } from './augment-scan.js';
import {
  type CheckpointReason,
  type SavePoint,
  saveCheckpoint,
  type TrainingProgress,
} from './checkpoint.js';
import type { TrainConfig } from './config/schema.js';
import { resolveTrainingModel, type TrainingModel } from './config/training-model.js';
import { agreeOnStep, rankZeroDecides, shareText, type TrainingGroup } from './distributed.js';
import { localMicroBatches, shardOrder } from './distributed-sampler.js';
import { DivergedError } from './diverged-error.js';
import { BestCheckpointHandler } from './handlers/best-checkpoint.js';
import { CheckpointHandler } from './handlers/checkpointing.js';
import { LearningRateHandler } from './handlers/learning-rate.js';
import { ProgressHandler } from './handlers/progress-report.js';
import { TrainMetricsHandler } from './handlers/train-metrics.js';
import { ValidationHandler } from './handlers/validation.js';
import { predictorOf } from './infer.js';
import { trainingMemoryPlan } from './memory-plan.js';
import { MetricsLog } from './metrics-log.js';
import { loadPlugins } from './plugins.js';
import { Progress, type ProgressOptions } from './progress.js';
import { resumeTraining } from './resume-check.js';
import { checkRunFolderPath, prepareRunFolder } from './run-folder.js';
import { writeRunInfo } from './run-info.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { RunWriteError } from './run-write-error.js';
import { checkTrainingDevice } from './training-device.js';
import { checkTrainingPrecision } from './training-precision.js';
import { validate } from './validate.js';

/** Version of this package. */
const TRAIN_VERSION = '0.1.0';

/** Options of {@link train}. */
export interface TrainOptions {
  /**
   * Checkpoint folder to resume from (weights, optimizer, position and random state), or `auto`
   * for the run folder's newest complete checkpoint (none: start at epoch 0). Without it the run
   * folder must be empty (or `overwrite` given).
   */
  resume?: string;
  /** Clear the run folder first (a new run where one was). Excludes `resume`. */
  overwrite?: boolean;
  /** Resume although the manifest's content differs from the one the run started with. */
  force?: boolean;
  /** The run folder's lock when the caller already holds it (the demo); else `train` takes it. */
  runLock?: RunLock;
  /** Called at each point of every checkpoint save; for crash-injection tests. */
  onSavePoint?: (point: SavePoint, dir: string) => void | Promise<void>;
  /** Progress display; default a bar on a TTY, lines otherwise, on stderr. */
  progress?: ProgressOptions;
  /**
   * Where notices go that matter with the progress display off too: what a resume recovered
   * and continues from, and warnings (a forced manifest change, another device). Default: the
   * progress display's lines.
   */
  notice?: (message: string) => void;
  /** Aborting it (e.g. on SIGINT) stops after the step in flight, saves a checkpoint and returns `interrupted`. */
  signal?: AbortSignal;
  /** Stop (as if interrupted, without the signal) after this many optimizer steps in all; for tests. */
  stopAfterSteps?: number;
  /** Further options of the model's `create`, model-specific; for tests and benchmarks. */
  modelOptions?: Readonly<Record<string, unknown>>;
  /**
   * Data-parallel training: this process is one rank of the group (a `ProcessGroup` of
   * `@deepsc/distributed`, already rendezvoused). Every rank calls `train` with the same
   * configuration; `training.accumulate` must be a multiple of the group's size. Rank 0 holds
   * the run folder's lock and writes everything (logs, validation, checkpoints); the others
   * read the checkpoint to resume from (so on several machines the run folder must be on a file
   * system they all see) and write only the scan cache. The result's progress fields are rank
   * 0's on every rank.
   */
  distributed?: TrainingGroup;
  /**
   * Called whenever training makes progress (each micro-batch, each validation scan, each
   * checkpoint) and every second while a rank waits for rank 0: what a watchdog (the
   * launcher's) tells a hung process by.
   */
  heartbeat?: () => void;
  /**
   * How long the other ranks wait at a barrier for rank 0's validation and checkpoints, in ms;
   * default one hour (a hung rank 0 is found sooner by a watchdog on the heartbeats).
   */
  rankZeroWaitMs?: number;
}

/** Default of {@link TrainOptions.rankZeroWaitMs}. */
export const RANK_ZERO_WAIT_MS = 3_600_000;

/** What a run ended with. */
export interface TrainResult {
  status: 'completed' | 'early-stopped' | 'interrupted';
  /** Epochs completed. */
  epochs: number;
  /** Optimizer steps taken in all (including those before a resume). */
  steps: number;
  /** The run folder. */
  out: string;
  /** The last checkpoint written (always present). */
  lastCheckpoint: string;
  /** The best checkpoint by `training.bestMetric`, when validation ran. */
  bestCheckpoint?: string;
  best: TrainingProgress['best'];
  /** The trained model instance (train mode); the caller disposes `network.model`. */
  network: ModelInstance;
  /** The model trained: its spec, resolved configuration and tasks. */
  model: TrainingModel;
  /** The split's manifest entries. */
  split: { train: ManifestEntry[]; val: ManifestEntry[]; test: ManifestEntry[] };
}

/** The preprocessing a training configuration implies (crop to the lungs, resample to the model's grid). */
export function preprocessOptions(
  config: Pick<TrainConfig, 'data'>,
  model: Pick<TrainingModel, 'spec' | 'config'>,
): PreprocessOptions {
  const [i, j, k] = model.spec.scanGrid(model.config);
  return {
    lungMask: config.data.lungMask,
    ...(config.data.lungMask !== 'none' ? { cropToLungMarginMm: config.data.cropMarginMm } : {}),
    shape: [i, j, k],
  };
}

/** The train / val / test entries of a configuration's manifest (stratified, seeded). */
export async function splitManifest(config: TrainConfig): Promise<TrainResult['split']> {
  const manifest = await readManifest(config.data.manifest);
  const s = stratifiedSplit(
    manifest.entries.map((e) => e.label),
    config.data.split,
    config.data.split.seed,
  );
  const pick = (idx: number[]) => idx.map((i) => manifest.entries[i] as ManifestEntry);
  return { train: pick(s.train), val: pick(s.val), test: pick(s.test) };
}

/**
 * Data order of epoch `e`: a seeded shuffle of the training scans, repeated to fill the epoch.
 * @param steps - scans the epoch takes (optimizer steps times `training.accumulate`).
 */
export function epochOrder(seed: number, epoch: number, scans: number, steps: number): number[] {
  const rng = new Rng(`${seed}/order/${epoch}`);
  const out: number[] = [];
  while (out.length < steps) out.push(...rng.shuffle([...Array(scans).keys()]));
  return out.slice(0, steps);
}

/** Optimizer steps per epoch: `training.stepsPerEpoch`, else enough for every training scan once. */
export function stepsPerEpoch(config: Pick<TrainConfig, 'training'>, trainScans: number): number {
  return config.training.stepsPerEpoch ?? Math.max(1, Math.ceil(trainScans / config.training.accumulate));
}

/** Versions recorded in checkpoints. */
export function runVersions(): Record<string, string> {
  return { '@deepsc/train': TRAIN_VERSION, '@deepsc/core': coreVersion, node: process.versions.node };
}

/**
 * Trains as `config` says, writing the run folder `config.out` (held locked throughout):
 * `run.json`, `split.json`, `metrics.jsonl` and `checkpoints/{last,best,epoch-NNNN}`.
 * @throws ConfigError for an unknown model or a configuration it cannot take, a plugin library (`plugins`)
 *   that does not load, `training.device: 'cuda'` where the engine has no CUDA build or sees no
 *   GPU, or a `training.precision` the engine does not compute in on that device (before
 *   anything is written);
 *   RunLockedError when another command holds the folder; RunFolderConflictError for a new run
 *   into a non-empty folder (without `overwrite`) and the other refusals of `prepareRunFolder`;
 *   CheckpointError for a bad or mismatched checkpoint (another model, another configuration
 *   of the model, another manifest unless `force`);
 *   ManifestError / FormatError for bad data; DivergedError when the loss, the gradients or the
 *   weights stop being finite (nothing non-finite is saved); RunWriteError naming the file when
 *   the system refuses a write.
 */
export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  loadPlugins(config.plugins, 'config'); // before anything builds the network
  const model = await resolveTrainingModel(config);
  if (options.distributed) localMicroBatches(config.training.accumulate, options.distributed.worldSize);
  checkTrainingDevice(config.training.device);
  checkTrainingPrecision(config.training.precision, config.training.device);
  trainingMemoryPlan(model, config.training.recompute);
  const split = await splitManifest(config);
  if (split.train.length === 0)
    throw new RangeError(`data.manifest ${config.data.manifest}: no scans in the training split`);
  const out = config.out;
  const manifestSha256 = createHash('sha256')
    .update(await readFile(config.data.manifest))
    .digest('hex');
  // rank 0 alone holds the lock and prepares the folder; the others follow its decisions
  if ((options.distributed?.rank ?? 0) !== 0)
    return trainLocked(config, model, options, split, manifestSha256);
  await checkRunFolderPath(out);
  const lock = options.runLock ?? (await acquireRunLock(out, 'deepsc train'));
  try {
    return await trainLocked(config, model, options, split, manifestSha256);
  } finally {
    if (!options.runLock) await lock.release();
  }
}

async function trainLocked(
  config: TrainConfig,
  model: TrainingModel,
  options: TrainOptions,
  split: TrainResult['split'],
  manifestSha256: string,
): Promise<TrainResult> {
  const { spec } = model;
  const device = config.training.device;
  const out = config.out;
  const ckDir = join(out, 'checkpoints');
  const group = options.distributed;
  const rank = group?.rank ?? 0;
  const worldSize = group?.worldSize ?? 1;
  const lead = rank === 0; // writes the run folder, logs and shows progress
  const beat = options.heartbeat ?? (() => {});
  const progressView = new Progress(lead ? options.progress : { style: 'off' });
  const notice = lead ? (options.notice ?? ((m: string) => progressView.log(m))) : () => {};
  // Rank 0's work while the others wait; every rank gets its answer.
  const onRankZero = async (work: () => Promise<boolean | undefined>): Promise<boolean> =>
    group
      ? rankZeroDecides(
          group,
          async () => (await work()) === true,
          options.rankZeroWaitMs ?? RANK_ZERO_WAIT_MS,
          beat,
        )
      : (await work()) === true;
  let resumeFrom: string | undefined;
  if (lead) {
    const folder = await prepareRunFolder(out, {
      ...(options.resume ? { resume: options.resume } : {}),
      ...(options.overwrite ? { overwrite: true } : {}),
    });
    for (const note of folder.notes) notice(note);
    await makeDirectory(ckDir).catch((err) => {
      throw new RunWriteError(ckDir, err);
    });
    resumeFrom = folder.resume;
  }
  // the other ranks start once the folder is ready, from the checkpoint rank 0 chose
  if (group) resumeFrom = (await shareText(group, resumeFrom ?? '')) || undefined;
  const log = new MetricsLog(join(out, 'metrics.jsonl'));

  const optimizer = spec.optimizer(model.config, config.optimizer);
  const net: ModelInstance = spec.create(model.config, {
    ...options.modelOptions,
    seed: config.seed,
    mode: 'train',
    device,
    precision: config.training.precision,
    optimizer: optimizer.config,
    memoryPlan: config.training.recompute.length > 0 ? { recompute: config.training.recompute } : {},
  });
  const loaders: ScanLoader[] = [];
  try {
    let progress: TrainingProgress = { epoch: 0, stepInEpoch: 0, step: 0, best: null, sinceBest: 0 };
    if (resumeFrom) {
      progress = await resumeTraining(resumeFrom, net.model, config, model, {
        config,
        manifestSha256,
        worldSize,
        force: options.force === true,
        notice,
      });
      if (lead) await log.truncateAfter(progress.step);
    } else if (lead) {
      await rm(log.path, { force: true });
    }
    if (group) {
      // identical starting weights everywhere (they are already, from the seed or the checkpoint)
      await group.broadcastModel(net.model);
      group.attachGradients(net.model);
    }
    if (lead) await writeRunInfo(config, model, split, manifestSha256);

    const prep = preprocessOptions(config, model);
    const cacheDir = config.data.cacheDir ?? join(out, 'cache');
    const trainLoader = new ScanLoader(split.train, {
      preprocess: prep,
      cacheDir,
      workers: config.data.workers,
    });
    loaders.push(trainLoader);
    const valLoader =
      lead && split.val.length
        ? new ScanLoader(split.val, { preprocess: prep, cacheDir, workers: config.data.workers })
        : undefined;
    if (valLoader) loaders.push(valLoader);

    const epochs = config.training.epochs;
    const k = config.training.accumulate;
    const kLocal = localMicroBatches(k, worldSize); // this rank's micro-batches per step
    const S = stepsPerEpoch(config, split.train.length);

    // the handlers
    const rates = new LearningRateHandler(net.model, optimizer, config.schedule, epochs, S);
    const shown = new ProgressHandler(
      progressView,
      { epochs, stepsPerEpoch: S, accumulate: k },
      progress.step,
    );
    const checkpoints = new CheckpointHandler(
      ckDir,
      async (dir: string, reason: CheckpointReason) => {
        await saveCheckpoint(dir, net.model, progress, config, reason, runVersions(), {
          model: { name: spec.name, version: spec.version },
          manifestSha256,
          ...(group ? { worldSize } : {}),
          ...(options.onSavePoint ? { onPoint: options.onSavePoint } : {}),
        });
        beat();
      },
      { every: config.training.checkpointEvery, keep: config.training.keepCheckpoints, epochs },
      progress.best !== null,
    );
    const predictor = predictorOf(spec, net);
    const validation = new ValidationHandler(
      valLoader
        ? () => validate(predictor, beating(valLoader.iterate(), beat), config.training.threshold)
        : undefined,
      config.training.validateEvery,
      epochs,
      log,
      (line) => progressView.log(line),
    );
    const best = new BestCheckpointHandler(
      config.training.bestMetric,
      config.training.earlyStopPatience,
      () => checkpoints.save('best', 'best'),
    );

    // with several ranks a Ctrl-C counts once all agree on it, after the same step (agreeOnStep)
    let stopAgreed = false;
    const interrupted = () =>
      (group ? stopAgreed : options.signal?.aborted === true) ||
      (options.stopAfterSteps !== undefined && progress.step >= options.stopAfterSteps);

    let status: TrainResult['status'] = 'completed';
    while (progress.epoch < epochs) {
      const e = progress.epoch;
      const order = epochOrder(config.seed, e, split.train.length, S * k);
      const mine = shardOrder(order, k, { rank, worldSize }, progress.stepInEpoch);
      // a resumed epoch carries on the sums of its steps before the interrupt
      const metrics = new TrainMetricsHandler(lead ? log : undefined, group !== undefined, progress.partial);
      delete progress.partial;
      let j = 0; // this rank's micro-batch within the optimizer step
      let q = 0; // position in `mine`
      for await (const scan of trainLoader.iterate(mine.map((x) => x.scan))) {
        if (j === 0) rates.stepStarted(e, progress.stepInEpoch);
        const m = (mine[q++] as (typeof mine)[number]).m; // global index: the random stream's
        // k = 1 keeps the plain step (no accumulation buffers); else every micro-batch
        // accumulates and the last one steps with their mean.
        const last = j === kLocal - 1;
        const r = await microBatchStep(
          model,
          net,
          scan,
          new Rng(`${config.seed}/step/${e}/${m}`),
          config.data,
          kLocal === 1 ? {} : { gradients: 'accumulate', step: last, syncGradients: last },
        );
        const inFlight = { epoch: e, stepInEpoch: progress.stepInEpoch + 1, step: progress.step + 1 };
        const where = `scan ${scan.id}${group ? `, rank ${rank}` : ''}`;
        if (!Number.isFinite(r.loss))
          throw new DivergedError(
            inFlight,
            'loss',
            [],
            `it was ${r.loss}${k > 1 ? ` at micro-batch ${(m % k) + 1}/${k}` : ''} (${where})`,
          );
        if (r.report && !Number.isFinite(r.report.gradNorm))
          throw new DivergedError(
            inFlight,
            'gradients',
            [],
            `their global norm was ${r.report.gradNorm} (scan ${scan.id})`,
          );
        metrics.microBatch({ loss: r.loss, ...r.terms }, k, r.report?.gradNorm);
        beat();
        if (++j < kLocal) continue;
        j = 0;
        let agreed: Record<string, number> | undefined;
        if (group) {
          const a = await agreeOnStep(group, metrics.takeStepSums(), options.signal?.aborted === true);
          agreed = a.sums;
          if (a.stop) stopAgreed = true;
        }
        metrics.stepCompleted(agreed);
        progress.stepInEpoch++;
        progress.step++;
        // finite gradients can still step the weights out of range (a huge learning rate)
        const bad = net.model.nonFiniteParameters();
        if (bad.length) throw new DivergedError(progress, 'parameters', bad, 'after the optimizer step');
        shown.stepCompleted(e, progress.stepInEpoch, progress.step, metrics.mean('loss'));
        if (interrupted()) break;
      }
      if (interrupted() && progress.stepInEpoch < S) {
        // no record for part of an epoch: the sums go into the checkpoint and the resumed
        // epoch's record covers all of it
        progress.partial = metrics.partial();
        await onRankZero(() => checkpoints.save('interrupt').then(() => false));
        delete progress.partial;
        progressView.log(
          `interrupted at epoch ${e + 1}, step ${progress.stepInEpoch}/${S}: saved ${checkpoints.last}`,
        );
        status = 'interrupted';
        break;
      }
      await metrics.epochCompleted(
        e + progress.stepInEpoch / S,
        progress.step,
        rates.ratesAt(e, progress.stepInEpoch - 1),
      );
      progress.epoch++;
      progress.stepInEpoch = 0;
      // validation and checkpoints on rank 0 (the others wait); its early-stop decision holds for all
      const stop = await onRankZero(async () => {
        const m = await validation.epochCompleted(progress.epoch, progress.step);
        const stop = m !== undefined && (await best.validated(progress, m));
        await checkpoints.epochCompleted(progress.epoch, stop);
        return stop;
      });
      if (stop) {
        progressView.log(
          `early stop: no better validation ${config.training.bestMetric} for ${progress.sinceBest} validations (best ${progress.best?.value} at epoch ${progress.best?.epoch})`,
        );
        status = 'early-stopped';
        break;
      }
      if (interrupted()) {
        if (progress.epoch < epochs) {
          await onRankZero(() => checkpoints.save('interrupt').then(() => false));
          status = 'interrupted';
        }
        break;
      }
    }
    progressView.end();
    let bestCheckpoint = checkpoints.best;
    if (group) {
      // every rank returns rank 0's account of the run
      const told = JSON.parse(
        await shareText(
          group,
          JSON.stringify({ best: progress.best, bestCheckpoint: bestCheckpoint ?? null }),
        ),
      ) as { best: TrainingProgress['best']; bestCheckpoint: string | null };
      progress.best = told.best;
      bestCheckpoint = told.bestCheckpoint ?? undefined;
      group.detachGradients(net.model);
    }
    return {
      status,
      epochs: progress.epoch,
      steps: progress.step,
      out,
      lastCheckpoint: checkpoints.last,
      ...(bestCheckpoint ? { bestCheckpoint } : {}),
      best: progress.best,
      network: net,
      model,
      split,
    };
  } catch (err) {
    // an engine error from a step whose all-reduce failed is the group's failure (a lost rank)
    const lost = group?.failure();
    if (group) group.detachGradients(net.model);
    net.model.dispose();
    throw lost ?? err;
  } finally {
    for (const l of loaders) await l.close();
  }
}

/**
 * One micro-batch: the scan augmented from the step's random stream (`augment` fork), the
 * model's batch from it (`patch` fork), the model's training step; the batch's tensors freed.
 */
async function microBatchStep(
  model: TrainingModel,
  net: ModelInstance,
  scan: PreparedScan,
  rng: Rng,
  data: TrainConfig['data'],
  options: ModelStepOptions,
): Promise<ModelStepResult> {
  const batch = model.spec.makeBatch(net, augmentScan(scan, data.augment, rng), data, rng.fork('patch'));
  try {
    return await model.spec.trainingStep(net, batch.batch, options);
  } finally {
    for (const t of batch.tensors) t.dispose();
  }
}

/** `items` as they come, calling `beat` after each (a watchdog's sign of progress). */
async function* beating<T>(items: AsyncIterable<T>, beat: () => void): AsyncGenerator<T> {
  for await (const item of items) {
    yield item;
    beat();
  }
}
