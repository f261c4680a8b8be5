/**
 * The run folder's description of a run: `run.json` (its name, the model with its version and
 * classes, the configuration and the manifest's SHA-256: what the report and `deepsc predict`
 * read) and `split.json` (the scan ids of each split), each written atomically.
 * @module
 */
import { join } from 'node:path';
import type { ManifestEntry } from '@deepsc/io';
import { writeFileAtomic } from '@deepsc/io';
import type { TrainConfig } from './config/schema.js';
import type { TrainingModel } from './config/training-model.js';
import { RunWriteError } from './run-write-error.js';

/** Writes a file of the run folder atomically. @throws RunWriteError naming it when the system refuses. */
export async function writeRunFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (err) {
    throw new RunWriteError(path, err);
  }
}

/**
 * Writes `run.json` and `split.json` into the run folder `config.out`.
 * @throws RunWriteError naming the file when the system refuses a write.
 */
export async function writeRunInfo(
  config: TrainConfig,
  model: TrainingModel,
  split: Readonly<Record<'train' | 'val' | 'test', readonly ManifestEntry[]>>,
  manifestSha256: string,
): Promise<void> {
  const { spec } = model;
  const run = {
    name: config.name,
    model: { name: spec.name, version: spec.version },
    classes: (model.tasks.classes ?? []).map((c) => c.name),
    createdAt: new Date().toISOString(),
    config,
    manifestSha256,
    notes: `${spec.name} ${spec.version} (${spec.description}), trained by @deepsc/train`,
  };
  await writeRunFile(join(config.out, 'run.json'), `${JSON.stringify(run, null, 1)}\n`);
  const ids = (entries: readonly ManifestEntry[]) => entries.map((e) => e.id);
  await writeRunFile(
    join(config.out, 'split.json'),
    `${JSON.stringify({ train: ids(split.train), val: ids(split.val), test: ids(split.test) }, null, 1)}\n`,
  );
}
