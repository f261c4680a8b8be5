/** A tiny synthetic cohort shared by the tests (generated once per test file into a temp folder). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCohort } from '@deepsc/io';
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from '../../src/index.js';

/** Generates `n` small scans (32 in-plane, 20-24 slices) and returns the folder and manifest. */
export async function tinyCohort(n = 6, seed = 1): Promise<{ dir: string; manifest: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'deepsc-train-'));
  const r = await generateCohort({
    out: join(dir, 'cohort'),
    n,
    seed,
    inPlane: 32,
    slices: [20, 24],
    workers: 0,
  });
  return { dir, manifest: r.manifestJson };
}

/** A config of the tiny network on the tiny cohort, writing to `out`. */
export function tinyConfig(
  manifest: string,
  out: string,
  extra: Partial<TrainConfigInput> = {},
): TrainConfig {
  return resolveTrainConfig(
    {
      seed: 3,
      out,
      model: { preset: 'tiny' },
      data: { manifest, workers: 0, split: { train: 0.67, val: 0.33, test: 0 } },
      schedule: { kind: 'cosine', warmupEpochs: 0.5 },
      training: { epochs: 2, stepsPerEpoch: 3, validateEvery: 1, checkpointEvery: 1 },
      ...extra,
    },
    { source: 'test' },
  );
}
