/**
 * The study's efficiency phase: times every arm back to back, after all runs, so that the
 * arms are compared under the same machine load (times measured during the runs are skewed by
 * whatever else the machine did then). For each arm, its first seed's final checkpoint is
 * loaded (read only) into a fresh instance of its model; a fixed number of training steps on the same
 * training scans and inference on the same held-out scans are timed after one warm-up step
 * and scan; the arms are interleaved round-robin and the whole repeated, and the medians kept.
 * @module
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { engineThreads, type ModelInstance } from '@deepsc/core';
import { type ArmTiming, percentile, type StudyEfficiency } from '@deepsc/eval';
import { type PreparedScan, Rng, ScanLoader } from '@deepsc/io';
import { augmentScan } from '../augment-scan.js';
import { loadCheckpoint } from '../checkpoint.js';
import { predictorOf, predictPrepared } from '../infer.js';
import { preprocessOptions, splitManifest, stepsPerEpoch } from '../trainer.js';
import type { PlannedRun } from './run-study.js';
import type { StudyPin } from './study-pin.js';

/** How much the phase times. */
export interface EfficiencyPlan {
  /** Timed training steps per arm and repeat (after one warm-up step). */
  steps: number;
  /** Timed held-out scans per arm and repeat (after one warm-up scan). */
  scans: number;
  repeats: number;
}

/** The full study's phase: 8 steps and 3 held-out scans per arm, 3 repeats. */
export const FULL_EFFICIENCY: EfficiencyPlan = { steps: 8, scans: 3, repeats: 3 };
/** The `--quick` form's: 1 step and 1 scan, once. */
export const QUICK_EFFICIENCY: EfficiencyPlan = { steps: 1, scans: 1, repeats: 1 };

/** The key of `efficiency.json`: the study it was measured for (a changed study measures again). */
export function efficiencyKey(pin: StudyPin): string {
  return createHash('sha256')
    .update(JSON.stringify({ spec: pin.spec, quick: pin.quick, overrides: pin.overrides }))
    .digest('hex');
}

const median = (v: readonly number[]) => percentile(v, 50);

interface ArmInputs {
  run: PlannedRun;
  train: PreparedScan[];
  heldOut: PreparedScan[];
  stepsPerEpoch: number;
}

async function loadScans(run: PlannedRun, plan: EfficiencyPlan): Promise<ArmInputs> {
  const { config } = run;
  const split = await splitManifest(config);
  // one more of each for the warm-up (the first), when the split has them
  const trainEntries = split.train.slice(0, plan.steps + 1);
  const testEntries = split.test.slice(0, plan.scans + 1);
  if (trainEntries.length === 0 || testEntries.length === 0)
    throw new RangeError(
      `efficiency: the split of ${run.name} has ${split.train.length} training and ${split.test.length} held-out scans; timing needs at least one of each`,
    );
  const loader = new ScanLoader([...trainEntries, ...testEntries], {
    preprocess: preprocessOptions(config, run.model),
    cacheDir: config.data.cacheDir ?? join(run.runDir, 'cache'),
    workers: 0,
  });
  const scans: PreparedScan[] = [];
  try {
    for await (const s of loader.iterate()) scans.push(s);
  } finally {
    await loader.close();
  }
  return {
    run,
    train: scans.slice(0, trainEntries.length),
    heldOut: scans.slice(trainEntries.length),
    stepsPerEpoch: stepsPerEpoch(config, split.train.length),
  };
}

/**
 * The first seed's training model, compiled as the trainer compiles it, with its final
 * weights and optimizer state (the checkpoint is only read).
 */
async function loadNetwork(run: PlannedRun): Promise<ModelInstance> {
  const { config, model } = run;
  const net = model.spec.create(model.config, {
    seed: config.seed,
    mode: 'train',
    device: config.training.device,
    optimizer: model.spec.optimizer(model.config, config.optimizer).config,
    // as the trainer compiles it (activation recomputation changes a step's cost)
    memoryPlan: config.training.recompute.length > 0 ? { recompute: config.training.recompute } : {},
  });
  try {
    await loadCheckpoint(join(run.runDir, 'checkpoints', 'last'), net.model, { optimizer: 'restore' });
    return net;
  } catch (err) {
    net.model.dispose();
    throw err;
  }
}

/** Seconds per step of `steps` training steps (after a warm-up step on the first scan). */
async function timeTraining(net: ModelInstance, a: ArmInputs, steps: number): Promise<number> {
  const { config, model } = a.run;
  const step = async (i: number) => {
    const scan = a.train[i % a.train.length] as PreparedScan;
    // the same random stream per step index for every arm: the same augmentation and patch
    const rng = new Rng(`efficiency/${i}`);
    const batch = model.spec.makeBatch(
      net,
      augmentScan(scan, config.data.augment, rng),
      config.data,
      rng.fork('patch'),
    );
    try {
      await model.spec.trainingStep(net, batch.batch);
    } finally {
      for (const t of batch.tensors) t.dispose();
    }
  };
  await step(0);
  const t = performance.now();
  for (let i = 1; i <= steps; i++) await step(i);
  return (performance.now() - t) / 1000 / steps;
}

/** Seconds per scan of network inference on `scans` held-out scans (after a warm-up scan). */
async function timeInference(net: ModelInstance, a: ArmInputs, scans: number): Promise<number> {
  const predictor = predictorOf(a.run.model.spec, net);
  const infer = async (i: number) => {
    await predictPrepared(predictor, (a.heldOut[i % a.heldOut.length] as PreparedScan).image);
  };
  await infer(0);
  const t = performance.now();
  for (let i = 1; i <= scans; i++) await infer(i);
  return (performance.now() - t) / 1000 / scans;
}

/**
 * Times every arm of `runs` (one run per arm: its first seed) back to back.
 * @returns undefined when `signal` aborted the phase (nothing is written then).
 * @throws CheckpointError for a missing or damaged final checkpoint; RangeError for a split
 *   without training or held-out scans; the loader's and the engine's errors.
 */
export async function measureEfficiency(
  runs: readonly PlannedRun[],
  key: string,
  plan: EfficiencyPlan,
  options: { signal?: AbortSignal; log?: (message: string) => void } = {},
): Promise<StudyEfficiency | undefined> {
  const log = options.log ?? (() => undefined);
  const inputs: ArmInputs[] = [];
  for (const run of runs) inputs.push(await loadScans(run, plan));
  const before = loadavg();
  const train = inputs.map(() => [] as number[]);
  const infer = inputs.map(() => [] as number[]);
  for (let r = 0; r < plan.repeats; r++)
    for (const [k, a] of inputs.entries()) {
      if (options.signal?.aborted) return undefined;
      log(`study: timing ${a.run.arm} (repeat ${r + 1}/${plan.repeats})`);
      const net = await loadNetwork(a.run);
      try {
        (train[k] as number[]).push(await timeTraining(net, a, plan.steps));
        (infer[k] as number[]).push(await timeInference(net, a, plan.scans));
      } finally {
        net.model.dispose();
      }
    }
  const after = loadavg();
  const first = inputs[0] as ArmInputs;
  // the scans the timed steps and inferences used (index 0 was the warm-up's)
  const ids = (v: PreparedScan[], n: number) =>
    Array.from({ length: n }, (_, i) => (v[(i + 1) % v.length] as PreparedScan).id);
  return {
    key,
    steps: plan.steps,
    scans: plan.scans,
    repeats: plan.repeats,
    threads: engineThreads(),
    loadAverage: { before, after },
    trainScans: ids(first.train, plan.steps),
    heldOutScans: ids(first.heldOut, plan.scans),
    measuredAt: new Date().toISOString(),
    arms: inputs.map((a, k): ArmTiming => {
      const perStep = median(train[k] as number[]);
      return {
        arm: a.run.arm,
        seed: a.run.seed,
        stepsPerEpoch: a.stepsPerEpoch,
        trainSecondsPerStepRepeats: train[k] as number[],
        inferSecondsPerScanRepeats: infer[k] as number[],
        trainSecondsPerStep: perStep,
        trainSecondsPerEpoch: perStep * a.stepsPerEpoch,
        inferSecondsPerScan: median(infer[k] as number[]),
      };
    }),
  };
}
