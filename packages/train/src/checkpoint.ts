/**
 * Checkpoints: a folder holding `model.safetensors` (weights and state, PyTorch names),
 * `optimizer.safetensors` (the optimizer's moment buffers) and `state.json` (epoch, step,
 * optimizer step counts and learning rates, the random-stream scheme, the configuration,
 * versions and the size and SHA-256 of both weight files). Written into a temporary folder and
 * renamed into place, so a crash never leaves a half-written checkpoint under the final name
 * (`checkpoint-recovery.ts` finishes or cleans up a save a crash cut short). A state holding NaN
 * or an infinity is never written (`DivergedError`).
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type CompiledModel,
  type Device,
  loadSafetensors,
  type OptimizerState,
  saveSafetensors,
  Tensor,
} from '@deepsc/core';
import { makeDirectory, openRegularFile, readRegularTextFile, writeFileAtomic } from '@deepsc/io';
import { DEFAULT_MODEL_NAME, type TrainConfig } from './config/schema.js';
import { DivergedError } from './diverged-error.js';
import { assertFiniteWeights } from './finite-weights.js';
import { RunWriteError } from './run-write-error.js';

/** Identifies the checkpoint format in `state.json`. */
export const CHECKPOINT_FORMAT = 'deepsc-checkpoint';
/** Version of the checkpoint format. */
export const CHECKPOINT_VERSION = 1;

/** Where training stands; what `state.json` records besides files and versions. */
export interface TrainingProgress {
  /** Epochs completed before the current one (0-based index of the current epoch). */
  epoch: number;
  /** Optimizer steps taken within the current epoch. */
  stepInEpoch: number;
  /** Optimizer steps taken in all. */
  step: number;
  /** Best validation value so far of `training.bestMetric`, with its epoch (null before any validation). */
  best: { metric: string; value: number; epoch: number } | null;
  /** Validations since the best one (for early stopping). */
  sinceBest: number;
  /**
   * The current epoch's running sums of the logged train terms over its `steps` steps so far
   * (absent at an epoch boundary), so a resumed epoch's record covers the whole epoch.
   */
  partial?: { sums: Record<string, number>; steps: number };
}

/** `state.json`. */
export interface CheckpointState extends TrainingProgress {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  /** Why it was written: `periodic`, `best`, `final` or `interrupt`. */
  reason: CheckpointReason;
  createdAt: string;
  /**
   * The device the model was trained on, for information (absent in checkpoints written before
   * it was recorded: those are `cpu`). Weights and optimizer state are host arrays, so a
   * checkpoint resumes on either device.
   */
  device?: Device;
  /**
   * Processes that trained it (data parallelism; absent: one). For information: a checkpoint
   * resumes with any number of processes that divides `training.accumulate`.
   */
  worldSize?: number;
  config: TrainConfig;
  /**
   * The model trained (its registry name, as `config.model.name`, and its spec's version).
   * Absent in checkpoints written before models had names: those are `deepsc-covid`'s.
   */
  model?: CheckpointModel;
  /**
   * SHA-256 of the manifest file's bytes when the run started (absent in older checkpoints):
   * a resume with another manifest is refused unless forced.
   */
  manifestSha256?: string;
  /**
   * Random streams are counter-based: every choice of epoch e, step s is drawn from a stream
   * seeded by (seed, e, s), so (seed, epoch, stepInEpoch) is the complete random state.
   */
  rng: { scheme: 'counter'; seed: number };
  optimizer: { kind: OptimizerState['kind']; lr: number[]; steps: Record<string, number> };
  versions: Record<string, string>;
  files: Record<'model' | 'optimizer', { bytes: number; sha256: string }>;
}

/** The model a checkpoint holds the weights of. */
export interface CheckpointModel {
  /** Its spec's name (`deepsc-covid`, `unet3d`, a user's). */
  name: string;
  /** Its spec's (package's) version when the checkpoint was written. */
  version: string;
}

/**
 * The model of a checkpoint's state: as recorded, else (checkpoints from before models had
 * names) `config.model.name`'s default, DeepSC-COVID, version `unrecorded`.
 */
export function checkpointModel(state: Pick<CheckpointState, 'model'>): CheckpointModel {
  return state.model ?? { name: DEFAULT_MODEL_NAME, version: 'unrecorded' };
}

/** Why a checkpoint was written. */
export type CheckpointReason = 'periodic' | 'best' | 'final' | 'interrupt';

/**
 * The points of a save, in order: the temporary folder complete (`written`), the previous
 * checkpoint moved aside (`moved-aside`), the new one in place (`in-place`), the previous one
 * removed (`done`). For crash-injection tests.
 */
export type SavePoint = 'written' | 'moved-aside' | 'in-place' | 'done';

/** Options of {@link saveCheckpoint}. */
export interface SaveOptions {
  /** Recorded as `model` in state.json: the model whose weights these are. */
  model?: CheckpointModel;
  /** Recorded as `manifestSha256` in state.json. */
  manifestSha256?: string;
  /** Recorded as `worldSize` in state.json when data-parallel (more than one process). */
  worldSize?: number;
  /** Called at each point of the save (tests inject crashes and faults here). */
  onPoint?: (point: SavePoint, dir: string) => void | Promise<void>;
}

/** A checkpoint that is missing, truncated, corrupt or does not match the run. The message says which and what to do. */
export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`checkpoint ${path}: ${message}`);
    this.name = 'CheckpointError';
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const BUFFER_SEP = '::';

async function fileInfo(path: string): Promise<{ bytes: number; sha256: string }> {
  const b = await readFile(path);
  return { bytes: b.length, sha256: sha256(b) };
}

/** Largest `state.json` read (a real one is a few KiB). */
export const MAX_STATE_BYTES = 16 << 20;

/** What a failed read of a checkpoint file says: missing, not a regular file, or the system's code. */
function unreadable(dir: string, name: string, err: unknown): CheckpointError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CheckpointError(dir, `${name} is missing`);
  // a FIFO or a device (it would hang or never end), or a file too large: the message says which
  return new CheckpointError(dir, `cannot read ${name} (${code ?? (err as Error).message})`);
}

/**
 * Checks a weight file against what state.json recorded: only a regular file is opened, its
 * size is compared before a byte is read, then its SHA-256.
 * @throws CheckpointError naming the file and what is wrong.
 */
async function checkWeightFile(
  dir: string,
  which: 'model' | 'optimizer',
  want: { bytes: number; sha256: string } | undefined,
): Promise<void> {
  const name = `${which}.safetensors`;
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(join(dir, name), 'text');
  } catch (err) {
    throw unreadable(dir, name, err);
  }
  try {
    if (!want || opened.size !== want.bytes)
      throw new CheckpointError(
        dir,
        `${name} has ${opened.size} bytes, state.json recorded ${want?.bytes} (truncated or replaced)`,
      );
    let bytes: Uint8Array;
    try {
      bytes = await opened.handle.readFile();
    } catch (err) {
      throw unreadable(dir, name, err);
    }
    if (sha256(bytes) !== want.sha256)
      throw new CheckpointError(
        dir,
        `${name} does not match its SHA-256 in state.json (corrupt or replaced)`,
      );
  } finally {
    await opened.handle.close();
  }
}

/** The temporary and the moved-aside folder of a save of `dir` by process `pid`. */
export function saveFolders(dir: string, pid = process.pid): { tmp: string; old: string } {
  return {
    tmp: join(dirname(dir), `.${basename(dir)}.tmp-${pid}`),
    old: join(dirname(dir), `.${basename(dir)}.old-${pid}`),
  };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const nonFiniteIn = (a: Float32Array) => a.some((v) => !Number.isFinite(v));

/**
 * Writes a checkpoint folder `dir` atomically (temporary folder, then rename; an existing
 * checkpoint of that name is replaced only once the new one is complete). The parameters
 * (in the engine) and the optimizer's buffers are checked first: a non-finite state is not
 * written.
 * @throws DivergedError for a parameter, state or optimizer buffer holding NaN or an infinity
 *   (nothing written); RunWriteError naming the checkpoint when the system refuses a write
 *   (the previous checkpoint stays); Error when the model is busy.
 */
export async function saveCheckpoint(
  dir: string,
  model: CompiledModel,
  progress: TrainingProgress,
  config: TrainConfig,
  reason: CheckpointReason,
  versions: Record<string, string>,
  options: SaveOptions = {},
): Promise<void> {
  const bad = model.nonFiniteParameters();
  if (bad.length) throw new DivergedError(progress, 'parameters', bad, `not saving ${dir}`);
  const { tmp, old } = saveFolders(dir);
  try {
    await makeDirectory(dirname(dir));
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
  } catch (err) {
    throw new RunWriteError(dir, err);
  }
  try {
    const opt = model.optimizerState();
    const badBuffers = Object.entries(opt.params).flatMap(([name, p]) =>
      Object.entries(p.buffers)
        .filter(([, raw]) => nonFiniteIn(raw.data))
        .map(([b]) => `${name}${BUFFER_SEP}${b}`),
    );
    if (badBuffers.length)
      throw new DivergedError(progress, 'optimizer state', badBuffers, `not saving ${dir}`);
    await model.save(join(tmp, 'model.safetensors'), { format: 'pt', producer: 'deepsc' });
    const buffers: Record<string, Tensor> = {};
    const steps: Record<string, number> = {};
    try {
      for (const [name, p] of Object.entries(opt.params)) {
        steps[name] = p.step;
        for (const [b, raw] of Object.entries(p.buffers))
          buffers[`${name}${BUFFER_SEP}${b}`] = Tensor.adopt(raw);
      }
      await saveSafetensors(join(tmp, 'optimizer.safetensors'), buffers, { kind: opt.kind });
    } finally {
      for (const t of Object.values(buffers)) t.dispose();
    }
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_VERSION,
      reason,
      createdAt: new Date().toISOString(),
      device: model.device,
      ...progress,
      config,
      ...(options.model ? { model: { name: options.model.name, version: options.model.version } } : {}),
      ...(options.manifestSha256 ? { manifestSha256: options.manifestSha256 } : {}),
      ...(options.worldSize !== undefined ? { worldSize: options.worldSize } : {}),
      rng: { scheme: 'counter', seed: config.seed },
      optimizer: { kind: opt.kind, lr: opt.lr, steps },
      versions,
      files: {
        model: await fileInfo(join(tmp, 'model.safetensors')),
        optimizer: await fileInfo(join(tmp, 'optimizer.safetensors')),
      },
    };
    await writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
    await options.onPoint?.('written', dir);
    const replacing = await exists(dir);
    if (replacing) {
      await rename(dir, old);
      await options.onPoint?.('moved-aside', dir);
    }
    await rename(tmp, dir);
    await options.onPoint?.('in-place', dir);
    if (replacing) await rm(old, { recursive: true, force: true });
    await options.onPoint?.('done', dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    // between the renames the previous checkpoint is only under its aside name: put it back
    if (!(await exists(dir))) await rename(old, dir).catch(() => undefined);
    if (err instanceof DivergedError || err instanceof CheckpointError) throw err;
    if (typeof (err as NodeJS.ErrnoException)?.code === 'string') throw new RunWriteError(dir, err);
    throw err;
  }
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is missing or of the wrong type in a parsed `state.json` (the fields resume and prediction read). */
function stateProblems(s: Record<string, unknown>): string[] {
  const p: string[] = [];
  for (const k of ['epoch', 'stepInEpoch', 'step', 'sinceBest'] as const)
    if (!isCount(s[k])) p.push(`${k} is ${JSON.stringify(s[k])}, expected a count`);
  if (!isObj(s.config) || !isObj(s.config.model) || !isObj(s.config.data) || !isObj(s.config.training))
    p.push("config (the run's configuration) is missing or not an object with model, data and training");
  if (
    s.model !== undefined &&
    (!isObj(s.model) || typeof s.model.name !== 'string' || typeof s.model.version !== 'string')
  )
    p.push(`model is ${JSON.stringify(s.model)}, expected { name, version } strings`);
  const opt = s.optimizer;
  if (
    !isObj(opt) ||
    typeof opt.kind !== 'string' ||
    !Array.isArray(opt.lr) ||
    !opt.lr.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    !isObj(opt.steps) ||
    !Object.values(opt.steps).every(isCount)
  )
    p.push('optimizer (kind, lr, steps) is missing or malformed');
  if (
    s.best !== null &&
    (!isObj(s.best) || typeof s.best.value !== 'number' || typeof s.best.metric !== 'string')
  )
    p.push('best is neither null nor { metric, value, epoch }');
  if (s.partial !== undefined && (!isObj(s.partial) || !isCount(s.partial.steps) || !isObj(s.partial.sums)))
    p.push('partial is not { sums, steps }');
  return p;
}

/**
 * Reads and checks `state.json` of a checkpoint folder (or of the folder holding a given
 * `model.safetensors`), and the sizes and hashes of its weight files.
 * @throws CheckpointError for a missing folder or file, unparsable or foreign JSON, or a file whose size or hash differs (truncated or altered).
 */
export async function readCheckpointState(path: string): Promise<{ dir: string; state: CheckpointState }> {
  const dir = path.endsWith('.safetensors') || path.endsWith('state.json') ? dirname(path) : path;
  let text: string;
  try {
    text = await readRegularTextFile(join(dir, 'state.json'), MAX_STATE_BYTES, 'text');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CheckpointError(
        dir,
        'no state.json here: give a checkpoint folder written by deepsc train (e.g. runs/x/checkpoints/last)',
      );
    throw unreadable(dir, 'state.json', err);
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
    if (!isObj(state))
      throw new SyntaxError(`a JSON ${state === null ? 'null' : typeof state}, not an object`);
  } catch (err) {
    throw new CheckpointError(dir, `state.json is not valid JSON (truncated?): ${(err as Error).message}`);
  }
  if (state.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      dir,
      `state.json is not a deepsc checkpoint (format ${JSON.stringify(state?.format)})`,
    );
  if (state.formatVersion !== CHECKPOINT_VERSION)
    throw new CheckpointError(
      dir,
      `format version ${state.formatVersion}; this deepsc reads version ${CHECKPOINT_VERSION}`,
    );
  for (const which of ['model', 'optimizer'] as const)
    await checkWeightFile(dir, which, state.files?.[which]);
  const problems = stateProblems(state as unknown as Record<string, unknown>);
  if (problems.length)
    throw new CheckpointError(dir, `state.json is damaged or incomplete: ${problems.join('; ')}`);
  // checkpoints from before models had names hold DeepSC-COVID
  const model = state.config.model as Record<string, unknown>;
  if (typeof model.name !== 'string') state.config.model = { ...model, name: DEFAULT_MODEL_NAME };
  return { dir, state };
}

/**
 * Loads a checkpoint's weights (and, with `optimizer: 'restore'`, its optimizer state) into `model`.
 * @throws CheckpointError for a damaged checkpoint or weights that do not fit the model (naming the mismatched entries).
 */
export async function loadCheckpoint(
  path: string,
  model: CompiledModel,
  options: { optimizer: 'restore' | 'skip' },
): Promise<CheckpointState> {
  const { dir, state } = await readCheckpointState(path);
  try {
    await model.load(join(dir, 'model.safetensors'));
  } catch (err) {
    throw new CheckpointError(dir, `weights do not fit this network: ${(err as Error).message}`);
  }
  assertFiniteWeights(model, dir);
  if (options.optimizer === 'restore') {
    let tensors: Record<string, Tensor>;
    try {
      ({ tensors } = await loadSafetensors(join(dir, 'optimizer.safetensors')));
    } catch (err) {
      throw new CheckpointError(dir, `optimizer.safetensors is not readable: ${(err as Error).message}`);
    }
    try {
      const params: OptimizerState['params'] = {};
      for (const [name, step] of Object.entries(state.optimizer.steps)) params[name] = { step, buffers: {} };
      for (const [key, t] of Object.entries(tensors)) {
        const at = key.lastIndexOf(BUFFER_SEP);
        const p = params[key.slice(0, at)];
        if (at < 0 || !p)
          throw new CheckpointError(dir, `optimizer.safetensors holds '${key}', which no parameter owns`);
        p.buffers[key.slice(at + BUFFER_SEP.length)] = t.raw();
      }
      model.setOptimizerState({ kind: state.optimizer.kind, lr: state.optimizer.lr, params });
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(dir, `optimizer state does not fit this run: ${(err as Error).message}`);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
  return state;
}
