/**
 * What a resume checks and loads: the checkpoint holds this configuration's model (its name, and the same
 * model configuration, before any weight is loaded: weights of another network would fail
 * tensor by tensor), and, once loaded, that its position means the same steps (seed, split,
 * accumulate, steps per epoch) on the same scans (the manifest, unless forced). Another device,
 * another number of processes or another version of the model's package are said, not refused.
 * @module
 */
import type { CompiledModel } from '@deepsc/core';
import {
  CheckpointError,
  type CheckpointState,
  checkpointModel,
  loadCheckpoint,
  readCheckpointState,
  type TrainingProgress,
} from './checkpoint.js';
import { ConfigError } from './config/config-error.js';
import type { TrainConfig } from './config/schema.js';
import { resolveModelSections, type TrainingModel } from './config/training-model.js';

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The leaf fields (dotted paths; arrays are leaves) whose values differ between `a` and `b`, with both values. */
export function configDifferences(
  a: unknown,
  b: unknown,
  path = '',
): { field: string; a: unknown; b: unknown }[] {
  if (isPlain(a) && isPlain(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) =>
      configDifferences(a[k], b[k], path ? `${path}.${k}` : k),
    );
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ field: path || '(model)', a, b }];
}

/**
 * Refuses a checkpoint of another model, or of this model configured otherwise (reading only
 * its `state.json`).
 * @param notice - where a version difference is said.
 * @throws CheckpointError naming both models, or each differing field with both values.
 */
export async function checkResumeModel(
  resume: string,
  config: Pick<TrainConfig, 'model'>,
  model: TrainingModel,
  notice: (message: string) => void,
): Promise<void> {
  const { state } = await readCheckpointState(resume);
  const was = checkpointModel(state);
  const { spec } = model;
  if (was.name !== spec.name)
    throw new CheckpointError(
      resume,
      `it holds the model ${was.name} (version ${was.version}); this configuration trains ${spec.name} (version ${spec.version}): set model.name to ${JSON.stringify(was.name)} to resume it, or start a new run`,
    );
  if (was.version !== spec.version && was.version !== 'unrecorded')
    notice(
      `resuming a checkpoint of ${spec.name} ${was.version} with ${spec.version}: the run continues if the weights fit`,
    );
  let saved: unknown;
  try {
    saved = resolveModelSections(spec, { model: state.config.model }, `${resume} state.json`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CheckpointError(
      resume,
      `its model section does not resolve with ${spec.name} ${spec.version}: ${err.problems.join('; ')}`,
    );
  }
  const now = resolveModelSections(spec, { model: config.model });
  // named as the model section names them, each once: the leaf's own name (a spec may nest its
  // resolved configuration, or keep the section as given beside it), its resolved values first
  const byName = new Map<string, { a: unknown; b: unknown }>();
  for (const d of configDifferences(saved, now)) {
    const name = d.field.slice(d.field.lastIndexOf('.') + 1);
    const seen = byName.get(name);
    if (!seen || seen.a === undefined || seen.b === undefined) byName.set(name, { a: d.a, b: d.b });
  }
  if (byName.size)
    throw new CheckpointError(
      resume,
      `it was trained with another network: ${[...byName]
        .map(([name, d]) => `${name} ${JSON.stringify(d.a)} there, ${JSON.stringify(d.b)} in this config`)
        .join('; ')} (set model.* as the run had it, or start a new run)`,
    );
}

/** What {@link checkResumeState} compares the loaded checkpoint with. */
export interface ResumeContext {
  readonly config: Pick<TrainConfig, 'seed' | 'data' | 'training'>;
  readonly manifestSha256: string;
  readonly worldSize: number;
  /** Resume although the manifest changed. */
  readonly force: boolean;
  readonly notice: (message: string) => void;
}

/**
 * Refuses a loaded checkpoint whose position would not mean the same steps on the same scans.
 * @throws CheckpointError naming what differs and what to do.
 */
export function checkResumeState(resume: string, state: CheckpointState, ctx: ResumeContext): void {
  const { config, manifestSha256, worldSize, notice } = ctx;
  if (
    state.config.seed !== config.seed ||
    JSON.stringify(state.config.data.split) !== JSON.stringify(config.data.split)
  )
    throw new CheckpointError(
      resume,
      `seed or data.split differ from the checkpoint's (seed ${state.config.seed}, split ${JSON.stringify(state.config.data.split)}): an exact resume needs the same`,
    );
  // The position (epoch, step) maps to scans through accumulate and stepsPerEpoch.
  const was = state.config.training;
  if (
    (was.accumulate ?? 1) !== config.training.accumulate ||
    was.stepsPerEpoch !== config.training.stepsPerEpoch
  )
    throw new CheckpointError(
      resume,
      `training.accumulate or training.stepsPerEpoch differ from the checkpoint's (accumulate ${was.accumulate ?? 1}, stepsPerEpoch ${was.stepsPerEpoch ?? 'default'}): an exact resume needs the same`,
    );
  if (state.manifestSha256 !== undefined && state.manifestSha256 !== manifestSha256) {
    const what = `the manifest ${config.data.manifest} changed since the run started (SHA-256 ${state.manifestSha256.slice(0, 12)}... then, ${manifestSha256.slice(0, 12)}... now)`;
    if (!ctx.force)
      throw new CheckpointError(
        resume,
        `${what}: the split and the scans would not be the run's; resume with --force to continue anyway`,
      );
    notice(`warning: ${what}; resuming anyway (force)`);
  }
  const device = config.training.device;
  const trainedOn = state.device ?? 'cpu';
  if (trainedOn !== device)
    notice(
      `resuming a checkpoint trained on ${trainedOn} on ${device}: the run continues within float rounding of the uninterrupted one, not bit for bit`,
    );
  const trainedBy = state.worldSize ?? 1;
  if (trainedBy !== worldSize)
    notice(
      `resuming a checkpoint trained by ${trainedBy} process${trainedBy > 1 ? 'es' : ''} with ${worldSize}: the same steps on the same scans, but the gradients are summed in another order, so the run continues within float rounding of the uninterrupted one, not bit for bit`,
    );
}

/**
 * Resumes from a checkpoint: checks its model ({@link checkResumeModel}) before any weight is
 * loaded, loads the weights and the optimizer state into `model`, checks the loaded state
 * ({@link checkResumeState}) and returns where training stands.
 * @throws CheckpointError as those checks and `loadCheckpoint` say.
 */
export async function resumeTraining(
  resume: string,
  compiled: CompiledModel,
  config: Pick<TrainConfig, 'model'>,
  model: TrainingModel,
  ctx: ResumeContext,
): Promise<TrainingProgress> {
  // the model first, from state.json: weights of another network would fail tensor by tensor
  await checkResumeModel(resume, config, model, ctx.notice);
  const state = await loadCheckpoint(resume, compiled, { optimizer: 'restore' });
  checkResumeState(resume, state, ctx);
  return {
    epoch: state.epoch,
    stepInEpoch: state.stepInEpoch,
    step: state.step,
    best: state.best,
    sinceBest: state.sinceBest,
    ...(state.partial ? { partial: state.partial } : {}),
  };
}
