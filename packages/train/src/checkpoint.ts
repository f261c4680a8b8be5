/**
 * Checkpoints: a folder holding `model.safetensors` (weights and state, PyTorch names),
 * `optimizer.safetensors` (the optimizer's moment buffers) and `state.json` (epoch, step,
 * optimizer step counts and learning rates, the random-stream scheme, the configuration,
 * versions and the size and SHA-256 of both weight files). Written into a temporary folder and
 * renamed into place, so a crash never leaves a half-written checkpoint under the final name.
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
import { writeFileAtomic } from '@deepsc/io';
import type { TrainConfig } from './config/schema.js';

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
  config: TrainConfig;
  /**
   * Random streams are counter-based: every choice of epoch e, step s is drawn from a stream
   * seeded by (seed, e, s), so (seed, epoch, stepInEpoch) is the complete random state.
   */
  rng: { scheme: 'counter'; seed: number };
  optimizer: { kind: OptimizerState['kind']; lr: number[]; steps: Record<string, number> };
  versions: Record<string, string>;
  files: Record<'model' | 'optimizer', { bytes: number; sha256: string }>;
}

/** Why a checkpoint was written. */
export type CheckpointReason = 'periodic' | 'best' | 'final' | 'interrupt';

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

/**
 * Writes a checkpoint folder `dir` atomically (temporary folder, then rename; an existing
 * checkpoint of that name is replaced only once the new one is complete).
 * @throws Error when the model is busy or the disk write fails (the previous checkpoint stays).
 */
export async function saveCheckpoint(
  dir: string,
  model: CompiledModel,
  progress: TrainingProgress,
  config: TrainConfig,
  reason: CheckpointReason,
  versions: Record<string, string>,
): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    await model.save(join(tmp, 'model.safetensors'), { format: 'pt', producer: 'deepsc' });
    const opt = model.optimizerState();
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
      rng: { scheme: 'counter', seed: config.seed },
      optimizer: { kind: opt.kind, lr: opt.lr, steps },
      versions,
      files: {
        model: await fileInfo(join(tmp, 'model.safetensors')),
        optimizer: await fileInfo(join(tmp, 'optimizer.safetensors')),
      },
    };
    await writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
    const old = join(dirname(dir), `.${basename(dir)}.old-${process.pid}`);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) await rename(dir, old);
    await rename(tmp, dir);
    if (exists) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
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
    text = await readFile(join(dir, 'state.json'), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      dir,
      code === 'ENOENT'
        ? 'no state.json here: give a checkpoint folder written by deepsc train (e.g. runs/x/checkpoints/last)'
        : `cannot read state.json (${code ?? (err as Error).message})`,
    );
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch (err) {
    throw new CheckpointError(dir, `state.json is not valid JSON (truncated?): ${(err as Error).message}`);
  }
  if (state?.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      dir,
      `state.json is not a deepsc checkpoint (format ${JSON.stringify(state?.format)})`,
    );
  if (state.formatVersion !== CHECKPOINT_VERSION)
    throw new CheckpointError(
      dir,
      `format version ${state.formatVersion}; this deepsc reads version ${CHECKPOINT_VERSION}`,
    );
  for (const which of ['model', 'optimizer'] as const) {
    const want = state.files?.[which];
    const file = join(dir, `${which}.safetensors`);
    let got: { bytes: number; sha256: string };
    try {
      got = await fileInfo(file);
    } catch {
      throw new CheckpointError(dir, `${which}.safetensors is missing`);
    }
    if (!want || got.bytes !== want.bytes)
      throw new CheckpointError(
        dir,
        `${which}.safetensors has ${got.bytes} bytes, state.json recorded ${want?.bytes} (truncated or replaced)`,
      );
    if (got.sha256 !== want.sha256)
      throw new CheckpointError(
        dir,
        `${which}.safetensors does not match its SHA-256 in state.json (corrupt or replaced)`,
      );
  }
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
  if (options.optimizer === 'restore') {
    const { tensors } = await loadSafetensors(join(dir, 'optimizer.safetensors'));
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
